// Vitest runs the TypeScript sources, which Node's require() cannot load: the modules the package's
// sync functions load on first use (src/util/on-demand.ts) are loaded here with import() instead.
// The require() path itself is tested on the built package (test/cli/startup.test.ts).
import { preloadOnDemand } from '../../src/util/on-demand.js';
import '../../src/index.js';

await preloadOnDemand();
