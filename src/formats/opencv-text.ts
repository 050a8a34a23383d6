/** OpenCV ANN_MLP storage text (YAML or XML), generated in ~1 MiB strings with weights read from native memory; see opencv.ts. */
import { Cnn2MlpError, fromNative } from '../errors.js';
import { native } from '../native.js';
import type { Mlp } from '../mlp/mlp.js';
import type { OpenCvExportInfo } from './opencv.js';

export interface OpenCvSettings {
  linearLayers: 'refuse' | 'reluPair';
  softmax: 'refuse' | 'logits';
  chunkBytes: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface LayerSpec {
  rows: number;
  cols: number;
  /** rows exported twice: [W; −W] */
  outPair: boolean;
  /** the input arrives as pairs [f(x), f(−x)]: read with [W, −W]·inScale */
  inPair: boolean;
  inScale: number;
  /** the input arrives shifted by −inShift (sigmoid encoding): bias += inShift·Σ_j W[o][j] */
  inShift: number;
}

/** What exportOpenCv writes: the one activation, its parameters, the scales and each layer's encoding. */
export interface OpenCvPlan {
  activation: OpenCvExportInfo['activation'];
  fParam1: number;
  fParam2: number;
  layerSizes: number[];
  specs: LayerSpec[];
  inScale: number[];
  outScale: number[];
  invOutScale: number[];
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) throw new Cnn2MlpError('ERR_NON_FINITE', `exportOpenCv: a value to write is ${v}`);
  const s = String(v); // shortest text that parses back to the same double (the float32 value, exactly)
  return /[.e]/.test(s) ? s : `${s}.`; // OpenCV writes reals with a '.'; keep them reals
}

/**
 * The file's text from a synchronous generator, pulled by the stream pipeline (so memory is
 * bounded by one ~1 MiB string plus one weight block).
 */
export class OpenCvText {
  private buf: string[] = [];
  private bufLen = 0;
  /** weights (and biases) emitted so far, for onProgress */
  private written = 0;
  private readonly totalWeights: number;
  /** position in an XML line of numbers */
  private col = 0;

  constructor(
    private readonly handle: Mlp['handle'],
    private readonly plan: OpenCvPlan,
    private readonly settings: OpenCvSettings,
    private readonly path: string,
    private readonly xml: boolean,
  ) {
    this.totalWeights = plan.specs.reduce((a, sp) => a + ((sp.inPair ? 2 : 1) * sp.cols + 1) * (sp.outPair ? 2 : 1) * sp.rows, 0);
  }

  private put(s: string): void {
    this.buf.push(s);
    this.bufLen += s.length;
  }

  private take(): string {
    if (this.settings.signal?.aborted) throw new Cnn2MlpError('ERR_ABORTED', `exportOpenCv: aborted; ${this.path} was not written`);
    this.settings.onProgress?.(this.written, this.totalWeights);
    const s = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    return s;
  }

  /** One double of a sequence, in OpenCV's own layout: YAML one "- v" per line; XML 4 per line. */
  private num(v: number, indent: string): void {
    if (this.xml) {
      this.put(this.col === 0 ? `\n${indent}${fmt(v)}` : ` ${fmt(v)}`);
      this.col = (this.col + 1) % 4;
    } else this.put(`\n${indent}- ${fmt(v)}`);
  }

  private *seq(name: string, values: number[]): Generator<string> {
    const xml = this.xml;
    this.col = 0;
    this.put(xml ? `\n  <${name}>` : `\n   ${name}:`);
    for (let i = 0; i < values.length; i++) {
      this.num(values[i], xml ? '    ' : '      ');
      if (this.bufLen > 1 << 20) yield this.take();
    }
    if (xml) this.put(`</${name}>`);
  }

  *all(): Generator<string> {
    const { xml, plan } = this;
    const { activation, layerSizes } = plan;
    this.put(xml ? '<?xml version="1.0"?>\n<opencv_storage>\n<opencv_ml_ann_mlp>' : '%YAML:1.0\n---\nopencv_ml_ann_mlp:');
    const scalar = (k: string, v: string) => this.put(xml ? `\n  <${k}>${v}</${k}>` : `\n   ${k}: ${v}`);
    scalar('format', '3');
    this.put(xml ? `\n  <layer_sizes>\n    ${layerSizes.join(' ')}</layer_sizes>` : `\n   layer_sizes: [ ${layerSizes.join(', ')} ]`);
    scalar('activation_function', activation);
    if (activation !== 'IDENTITY') {
      scalar('f_param1', fmt(plan.fParam1));
      scalar('f_param2', fmt(plan.fParam2));
    }
    const sig = activation === 'SIGMOID_SYM';
    for (const [k, v] of [['min_val', sig ? -0.95 : 0], ['max_val', sig ? 0.95 : 0], ['min_val1', sig ? -0.98 : 0], ['max_val1', sig ? 0.98 : 0]] as const) scalar(k, fmt(v));
    yield* this.seq('input_scale', plan.inScale);
    yield* this.seq('output_scale', plan.outScale);
    yield* this.seq('inv_output_scale', plan.invOutScale);
    this.put(xml ? '\n  <weights>' : '\n   weights:');
    for (let li = 0; li < plan.specs.length; li++) yield* this.layer(li);
    this.put(xml ? '</weights></opencv_ml_ann_mlp>\n</opencv_storage>\n' : '\n');
    yield this.take();
  }

  /** Columns [c0, c1) of layer `li`'s W as block[(c − c0)·R + row], read in row chunks (CSR scattered). */
  private readColumns(li: number, block: Float32Array, c0: number, c1: number, readRows: number): void {
    const { rows: R, cols: C } = this.plan.specs[li];
    block.fill(0);
    for (let r0 = 0; r0 < R; r0 += readRows) {
      const n = Math.min(readRows, R - r0);
      const got = nativeRead(() => native().mlpReadRows(this.handle, li, r0, n));
      if (got instanceof Float32Array) {
        for (let r = 0; r < n; r++) for (let c = c0; c < c1; c++) block[(c - c0) * R + r0 + r] = got[r * C + c];
      } else {
        for (let r = 0; r < n; r++)
          for (let k = got.rowPtr[r]; k < got.rowPtr[r + 1]; k++) {
            const c = got.colIdx[k];
            if (c >= c0 && c < c1) block[(c - c0) * R + r0 + r] = got.values[k];
          }
      }
    }
  }

  /** One layer: OpenCV row i (input i) = column i of our W, so gather blocks of columns. */
  private *layer(li: number): Generator<string> {
    const s = this.plan.specs[li];
    const { rows: R, cols: C } = s;
    const R2 = s.outPair ? 2 * R : R;
    const { chunkBytes } = this.settings;
    this.col = 0;
    this.put(this.xml ? '\n    <_>' : '\n      -');
    const indent = this.xml ? '      ' : '         ';
    const blockCols = Math.max(1, Math.min(C, Math.floor(chunkBytes / 4 / R)));
    const readRows = Math.max(1, Math.min(R, Math.floor(Math.min(2 ** 28, chunkBytes / 4) / C)));
    const block = new Float32Array(blockCols * R); // [column - c0][row]
    const rowSum = new Float64Array(R); // Σ_j W[o][j], for the sigmoid shift
    const signs = s.inPair ? [1, -1] : [1];
    for (const sign of signs) {
      for (let c0 = 0; c0 < C; c0 += blockCols) {
        const c1 = Math.min(C, c0 + blockCols);
        this.readColumns(li, block, c0, c1, readRows);
        const scale = sign * s.inScale;
        for (let c = 0; c < c1 - c0; c++) {
          const base = c * R;
          for (let o = 0; o < R; o++) {
            const w = block[base + o];
            if (s.inShift && sign === 1) rowSum[o] += w;
            this.num(w * scale, indent);
          }
          if (s.outPair) for (let o = 0; o < R; o++) this.num(-block[base + o] * scale, indent);
          this.written += R2;
          if (this.bufLen > 1 << 20) yield this.take();
        }
      }
    }
    const bias = nativeRead(() => native().mlpReadBias(this.handle, li));
    const b = new Float64Array(R2);
    for (let o = 0; o < R; o++) {
      b[o] = bias[o] + s.inShift * rowSum[o];
      if (s.outPair) b[R + o] = -b[o];
    }
    for (const v of b) this.num(v, indent);
    this.written += R2;
    if (this.xml) this.put('</_>');
  }
}

/** A native read as a Cnn2MlpError with its own code (ERR_DISPOSED when the MLP is disposed mid-export), not a write failure. */
function nativeRead<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw fromNative(err, new Error());
  }
}
