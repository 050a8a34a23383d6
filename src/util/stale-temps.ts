/**
 * Temporary files of saves that were killed: every writer saves under `<name>.tmp-<pid>-<tag>` (or a
 * dot-prefixed variant) and renames; a killed save leaves its temp file, which the next save of the
 * same target removes once the process that wrote it is gone.
 */
import fs from 'node:fs';
import path from 'node:path';

export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** True while a process with this id exists (ours always counts: a save may still be running in it). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the files in `dir` whose names match `pattern` (its first group: the writer's pid) when that process is gone. */
export async function removeStaleTemps(dir: string, pattern: RegExp): Promise<void> {
  const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    const m = pattern.exec(n);
    if (m && !pidAlive(Number(m[1]))) await fs.promises.rm(path.join(dir, n), { force: true });
  }
}

/** The pattern of `<file>.tmp-<pid>-<tag>` beside `file` (saveMlp, exportOpenCv). */
export const tempsOf = (file: string) => new RegExp(`^${escapeRegExp(path.basename(file))}\\.tmp-(\\d+)-[0-9a-z]+$`);
