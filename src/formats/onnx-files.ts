/**
 * Writing an ONNX model and its external data file so that a crash or SIGKILL at any point leaves
 * the old pair or the new pair, never a model beside data it does not describe. The data file name
 * carries a version (`model.onnx.data` → `model.onnx.<12 hex>.data`), so the new data never
 * replaces the file the old model reads:
 *   1. remove temp files of earlier saves whose process is gone;
 *   2. write the data under a temp name, fsync, rename it to its versioned name (the old model
 *      still reads its own data file);
 *   3. write the model under a temp name, fsync, rename it over the old one (the switch);
 *   4. remove the data files of earlier versions (and the unversioned name older releases wrote).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { escapeRegExp as escape, removeStaleTemps } from '../util/stale-temps.js';

const TAG = /[0-9a-f]{12}/.source;

function split(dataName: string): [stem: string, ext: string] {
  const dot = dataName.lastIndexOf('.');
  return dot > 0 ? [dataName.slice(0, dot), dataName.slice(dot)] : [dataName, ''];
}

/** The versioned data file name for one save: the tag goes before the extension. */
export function versionedDataName(dataName: string): string {
  const [stem, ext] = split(dataName);
  return `${stem}.${crypto.randomBytes(6).toString('hex')}${ext}`;
}

async function writeFileSynced(file: string, write: (fh: fs.promises.FileHandle) => Promise<void>): Promise<void> {
  const fh = await fs.promises.open(file, 'w');
  try {
    await write(fh);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Writes `modelBytes` to `filePath` and, when `data` is given, the external data file
 * `data.dataFile` (a versionedDataName of `dataName`, which the model references) beside it.
 */
export async function writeOnnxPair(
  filePath: string,
  modelBytes: Uint8Array,
  dataName: string,
  data?: { dataFile: string; write: (fh: fs.promises.FileHandle) => Promise<void> },
): Promise<void> {
  const dir = path.dirname(path.resolve(filePath));
  const base = path.basename(filePath);
  const [stem, ext] = split(dataName);
  const oldData = new RegExp(`^(${escape(stem)}\\.${TAG}${escape(ext)}|${escape(dataName)})$`);
  await removeStaleTemps(dir, new RegExp(`^\\.(?:${escape(base)}|${escape(stem)}\\.${TAG}${escape(ext)})\\.tmp-(\\d+)-[0-9a-z]+$`));

  const tag = `.tmp-${process.pid}-${Date.now().toString(36)}`;
  const modelTmp = path.join(dir, `.${base}${tag}`);
  const dataTmp = data && path.join(dir, `.${data.dataFile}${tag}`);
  const temps: string[] = [];
  try {
    if (data && dataTmp) {
      temps.push(dataTmp);
      await writeFileSynced(dataTmp, data.write);
      await fs.promises.rename(dataTmp, path.join(dir, data.dataFile));
    }
    temps.push(modelTmp);
    await writeFileSynced(modelTmp, async (fh) => {
      await fh.writeFile(modelBytes);
    });
    await fs.promises.rename(modelTmp, path.resolve(filePath));
  } catch (err) {
    await Promise.all(temps.map((t) => fs.promises.rm(t, { force: true })));
    if (data) await fs.promises.rm(path.join(dir, data.dataFile), { force: true });
    throw err;
  }
  // The new model is in place: the data of earlier versions is no longer read by anything we wrote.
  for (const n of await fs.promises.readdir(dir).catch(() => [] as string[]))
    if (oldData.test(n) && n !== data?.dataFile) await fs.promises.rm(path.join(dir, n), { force: true });
}
