/**
 * The Python interpreter for tests that check against NumPy or OpenCV: $CNN2MLP_PYTHON when set
 * (and then only it), else python3, else /usr/bin/python3 — the first that imports the modules a
 * test needs. `pythonMissing` gives the skip reason when none does.
 */
import { spawnSync } from 'node:child_process';

const found = new Map<string, string | null>();

function candidates(): string[] {
  return process.env.CNN2MLP_PYTHON ? [process.env.CNN2MLP_PYTHON] : ['python3', '/usr/bin/python3'];
}

/** An interpreter that imports every module in `modules`, or null. */
export function pythonWith(modules: string[]): string | null {
  const key = modules.join(',');
  if (!found.has(key)) found.set(key, candidates().find((py) => spawnSync(py, ['-c', `import ${key}`], { stdio: 'ignore' }).status === 0) ?? null);
  return found.get(key)!;
}

/** undefined when `modules` import, else why the test cannot run and how to make it run. */
export function pythonMissing(modules: string[]): string | undefined {
  if (pythonWith(modules)) return undefined;
  const hint = modules.includes('cv2') ? 'install Debian python3-opencv and python3-numpy' : 'install python3-numpy';
  return `no ${candidates().join(' or ')} that imports ${modules.join(', ')} (${hint}, or set CNN2MLP_PYTHON)`;
}
