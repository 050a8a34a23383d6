import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/support/preload-on-demand.ts'],
    // the default output, plus the ISAs tested / not available and every skip with its reason
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native kernels use all cores per call; running files in parallel only adds noise.
    fileParallelism: false,
    pool: 'forks',
    // Memory tests call global.gc() before sampling RSS, so what they compare is live memory,
    // not how long V8 happened to leave garbage (and the buffers it holds) around.
    execArgv: ['--expose-gc'],
  },
});
