#!/usr/bin/env node
/**
 * The cnn2mlp command line. One file per subcommand; this file only assembles them and turns any
 * failure into one line on stderr and a non-zero exit code (2 for usage errors, 1 otherwise).
 * CNN2MLP_DEBUG=1 adds the stack trace.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { benchCommand } from './bench.js';
import { convertCommand } from './convert.js';
import { demoCommand } from './demo.js';
import { packageRoot } from './models.js';
import { describeError } from './output.js';
import { inspectCommand } from './inspect.js';
import { cpuInfo } from '../runtime.js';
import { Cnn2MlpError } from '../errors.js';
import { runCommand } from './run.js';
import { statsCommand } from './stats.js';
import { verifyCommand } from './verify.js';

function version(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function program(): Command {
  const p = new Command('cnn2mlp')
    .description('Exact CNN → MLP conversion and a native CPU inference runtime: convert, run, verify, measure.')
    .version(version(), '-V, --version')
    .addHelpText(
      'after',
      `
Examples:
  $ cnn2mlp demo                                   the embedded Fashion-MNIST CNN vs its MLPs (npm start)
  $ cnn2mlp convert model.onnx -o model.mlp               CSR MLP (add --format dense for dense matrices)
  $ cnn2mlp run models/fashion-mnist/model.json shirt.png
  $ cnn2mlp verify model.onnx --samples 16
  $ cnn2mlp inspect model.onnx                             inputs, outputs, opset, every layer
  $ cnn2mlp stats seed --strides 3 --json

Environment: CNN2MLP_ISA=scalar|avx2|avx512 forces a kernel family (refused when the CPU lacks it);
CNN2MLP_DEBUG=1 adds stack traces to errors.`,
    );
  for (const cmd of [convertCommand(), runCommand(), verifyCommand(), inspectCommand(), statsCommand(), benchCommand(), demoCommand()]) {
    p.addCommand(cmd);
  }
  // usage errors: commander prints "error: …" (one line); we set the exit code instead of exiting mid-flight
  // commander's usage errors can span lines ("Did you mean …?"): printed as one line.
  const oneLine = { outputError: (str: string, write: (s: string) => void) => write(`${str.trim().replace(/\s*\n\s*/g, ' ')}\n`) };
  p.exitOverride().configureOutput(oneLine);
  for (const c of p.commands) c.exitOverride().configureOutput(oneLine);
  return p;
}

/**
 * CNN2MLP_ISA is read by the addon, which falls back to the best ISA on a value it cannot use;
 * the CLI says so instead: a bogus name is an error, an ISA this CPU lacks too.
 */
function checkIsaEnv(): void {
  const want = process.env.CNN2MLP_ISA;
  if (want === undefined || want === '' || want === 'auto') return;
  if (want !== 'scalar' && want !== 'avx2' && want !== 'avx512') {
    throw new Cnn2MlpError('ERR_INVALID_ARG', `Expected auto, scalar, avx2 or avx512 for CNN2MLP_ISA but received '${want}'`);
  }
  const cpu = cpuInfo();
  if (!cpu.supportedIsas.includes(want)) {
    throw new Cnn2MlpError('ERR_UNSUPPORTED', `CNN2MLP_ISA=${want}: this CPU (${cpu.brand.trim()}) cannot run ${want} kernels; it supports ${cpu.supportedIsas.join(', ')}`);
  }
}

function wantsHelpOnly(argv: string[]): boolean {
  const args = argv.slice(2);
  return args.length === 0 || args.some((a) => a === '-h' || a === '--help' || a === '-V' || a === '--version' || a === 'help');
}

async function main(argv: string[]): Promise<void> {
  try {
    if (!wantsHelpOnly(argv)) checkIsaEnv();
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to exitOverride; commander already printed them
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const { line, exitCode } = describeError(err);
    process.stderr.write(line + '\n');
    if (process.env.CNN2MLP_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`); // for bug reports
    process.exitCode = exitCode;
  }
}

await main(process.argv);
