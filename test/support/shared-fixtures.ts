/**
 * Where the team's shared, uncommitted fixtures live: `<repo>/../shared/fixtures` in a clone whose
 * parent holds `shared/` (CI), else $CNN2MLP_SHARED/fixtures, else /work/shared/fixtures.
 * Fixtures are never copied into the repo (they have no licence).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedFixturesDir(): string | undefined {
  const candidates = [
    path.resolve(repoRoot, '..', 'shared', 'fixtures'),
    ...(process.env.CNN2MLP_SHARED ? [path.resolve(process.env.CNN2MLP_SHARED, 'fixtures')] : []),
    '/work/shared/fixtures',
  ];
  return candidates.find((d) => existsSync(d));
}

/** Why the shared fixture `rel` cannot be used here (a skip reason), or undefined when it is present. */
export function fixtureMissing(rel: string): string | undefined {
  const base = sharedFixturesDir();
  return base && existsSync(path.join(base, rel))
    ? undefined
    : `shared fixture ${rel} not found (looked in <repo>/../shared/fixtures, $CNN2MLP_SHARED/fixtures, /work/shared/fixtures)`;
}

/** The fixture directory `rel` (e.g. 'tf-checkpoint/mnist-tflayers-estimator'), or undefined with a logged reason. */
export function sharedFixture(rel: string): string | undefined {
  const base = sharedFixturesDir();
  const dir = base && path.join(base, rel);
  if (!dir || !existsSync(dir)) {
    console.warn(`skipping: shared fixture ${rel} not found (looked in <repo>/../shared/fixtures, $CNN2MLP_SHARED/fixtures, /work/shared/fixtures)`);
    return undefined;
  }
  return dir;
}
