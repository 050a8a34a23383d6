/** Reads a little-endian float32 .npy file (format 1.0/2.0, C order) as written by numpy.save. */
import fs from 'node:fs';

export function readNpy(file: string): { shape: number[]; data: Float32Array } {
  const b = fs.readFileSync(file);
  if (b.readUInt32BE(0) !== 0x934e554d || b.toString('latin1', 4, 6) !== 'PY') throw new Error(`${file} is not a .npy file`);
  const major = b[6];
  const headerLen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + headerLen);
  if (!/'descr': '<f4'/.test(header) || /'fortran_order': True/.test(header)) throw new Error(`${file}: expected little-endian float32 in C order (${header.trim()})`);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = b.subarray(start + headerLen);
  const data = new Float32Array(body.length / 4);
  new Uint8Array(data.buffer).set(body);
  return { shape, data };
}
