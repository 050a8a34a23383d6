/**
 * TensorFlow.js peer for graph CnnModels (residual adds, depthwise convs): each layer becomes tfjs
 * ops on the current backend (useTfjsBackend), evaluated in the model's layer order with named
 * inputs. Convs run as tf.fused.conv2d / tf.fused.depthwiseConv2d with bias and relu/relu6 fused,
 * as a tfjs graph model would. NCHW models are transposed to NHWC once at the input (tfjs's
 * layout); a globally pooled head makes the output order the same in both layouts.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Activation, CnnModel, Layer, Padding } from '../../model/types.js';
import { Cnn2MlpError } from '../../errors.js';
import type { Runner } from '../runner.js';
import { tfActivation } from './tfjs.js';

type Step = (get: (name: string) => TF.Tensor) => TF.Tensor;
interface Node {
  name: string;
  inputs: string[];
  step: Step;
}

const unsupported = (what: string) => new Cnn2MlpError('ERR_UNSUPPORTED', `tfjs graph peer: ${what}`);

function explicitPad(p: Padding | undefined): 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]] {
  if (p === undefined || p === 'valid' || p === 'same') return p ?? 'valid';
  if (p === 'sameLower') throw unsupported("'sameLower' padding");
  return [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];
}

/** The activation fused into a tfjs op, or undefined when it must run as a separate op. */
function fusable(a: Activation | undefined): 'linear' | 'relu' | 'relu6' | undefined {
  const name = a === undefined ? 'linear' : typeof a === 'string' ? a : a.type;
  return name === 'linear' || name === 'relu' || name === 'relu6' ? name : undefined;
}

function convStep(t: typeof TF, layer: Extract<Layer, { type: 'conv2d' }>, cin: number, keep: <T extends TF.Tensor>(x: T) => T): Step {
  const [kh, kw] = layer.kernelSize;
  const groups = layer.groups ?? 1;
  const strides = layer.strides ?? [1, 1];
  const dilations = layer.dilation ?? [1, 1];
  const pad = explicitPad(layer.padding);
  const bias = layer.bias ? keep(t.tensor1d(layer.bias)) : undefined;
  const fused = fusable(layer.activation);
  const activation = fused ?? 'linear';
  const after = fused ? (y: TF.Tensor) => y : (y: TF.Tensor) => tfActivation(t, y, layer.activation);
  const src = layer.inputs?.[0] ?? 'input';
  if (groups === 1) {
    const filter = keep(t.tensor4d(layer.weights, [kh, kw, cin, layer.filters]));
    return (get) => after(t.fused.conv2d({ x: get(src) as TF.Tensor4D, filter, strides, pad, dataFormat: 'NHWC', dilations, bias, activation }));
  }
  // HWIO with I = 1 and O = channels has the same memory order as tfjs's depthwise [kh, kw, channels, 1]
  if (groups !== cin || layer.filters !== cin) throw unsupported(`grouped conv2d other than depthwise (groups ${groups}, ${cin} → ${layer.filters} channels)`);
  const filter = keep(t.tensor4d(layer.weights, [kh, kw, cin, 1]));
  // tfjs's depthwise conv takes no explicit pads: 'same' where it is the same (stride 1, centred), else zero-pad first
  const centred = Array.isArray(pad) && strides[0] === 1 && strides[1] === 1 && dilations[0] === 1 && dilations[1] === 1 && pad[1][0] === pad[1][1] && pad[2][0] === pad[2][1] && 2 * pad[1][0] === kh - 1 && 2 * pad[2][0] === kw - 1;
  const dwPad = !Array.isArray(pad) ? pad : centred ? 'same' : 'valid';
  const prePad = Array.isArray(pad) && !centred ? pad : undefined;
  return (get) => {
    const x = prePad ? t.pad(get(src), prePad) : get(src);
    return after(t.fused.depthwiseConv2d({ x: x as TF.Tensor4D, filter, strides, pad: dwPad, dataFormat: 'NHWC', dilations, bias, activation }));
  };
}

/** One layer as a Step on tensors by name, and its output channels. */
function layerStep(t: typeof TF, layer: Layer, ins: string[], cin: number, keep: <T extends TF.Tensor>(x: T) => T): { step: Step; cout: number } {
  const act = (x: TF.Tensor) => tfActivation(t, x, 'activation' in layer ? layer.activation : undefined);
  switch (layer.type) {
    case 'conv2d':
      return { step: convStep(t, { ...layer, inputs: ins }, cin, keep), cout: layer.filters };
    case 'dense': {
      const w = keep(t.tensor2d(layer.weights, [layer.weights.length / layer.units, layer.units]));
      const b = layer.bias ? keep(t.tensor1d(layer.bias)) : undefined;
      const step: Step = (get) => {
        const x = get(ins[0]);
        const y = t.matMul(x.reshape([x.shape[0], -1]) as TF.Tensor2D, w);
        return act(b ? t.add(y, b) : y);
      };
      return { step, cout: layer.units };
    }
    case 'add':
      return { step: (get) => act(ins.map(get).reduce((a, b) => t.add(a, b))), cout: cin };
    case 'globalAvgPool2d':
      return { step: (get) => t.mean(get(ins[0]), [1, 2]), cout: cin };
    case 'maxPool2d':
    case 'avgPool2d': {
      const strides = layer.strides ?? layer.poolSize;
      const pad = explicitPad(layer.padding);
      const op = layer.type === 'maxPool2d' ? t.maxPool : t.avgPool;
      // explicit padding: max pool pads with the lowest float (never the max); avg pool would count the pads, so refuse it
      if (Array.isArray(pad) && layer.type === 'avgPool2d') throw unsupported('explicitly padded avgPool2d');
      const step: Step = Array.isArray(pad)
        ? (get) => op(t.pad(get(ins[0]), pad, -3.4e38) as TF.Tensor4D, layer.poolSize, strides, 'valid')
        : (get) => op(get(ins[0]) as TF.Tensor4D, layer.poolSize, strides, pad);
      return { step, cout: cin };
    }
    case 'activation':
      return { step: (get) => act(get(ins[0])), cout: cin };
    default:
      throw unsupported(`layer type '${layer.type}'`);
  }
}
/**
 * Builds `model` (conv2d incl. depthwise, dense, add, max/avg pool, global avg pool, activation;
 * single input, the last layer as output) from tfjs ops. Throws ERR_UNSUPPORTED for anything else.
 */
export async function tfjsGraph(model: CnnModel): Promise<Runner> {
  const t = await import('@tensorflow/tfjs');
  if (model.inputShape.length !== 3) throw unsupported('2-D image models only');
  const nchw = model.layout === 'NCHW';
  const held: TF.Tensor[] = [];
  const keep = <T extends TF.Tensor>(x: T): T => (held.push(x), x);
  const channels = new Map<string, number>([['input', nchw ? model.inputShape[0] : model.inputShape[2]]]);
  const steps: Node[] = [];
  model.layers.forEach((layer, i) => {
    const name = layer.name ?? `layer${i}`;
    const ins = layer.inputs ?? [i === 0 ? 'input' : (model.layers[i - 1].name ?? `layer${i - 1}`)];
    const cin = channels.get(ins[0]) ?? 0;
    const { step, cout } = layerStep(t, layer, ins, cin, keep);
    channels.set(name, cout);
    steps.push({ name, inputs: ins, step });
  });
  const inShape = model.inputShape;
  // each activation is freed after its last reader: a batch-32 ResNet-50 would otherwise hold gigabytes
  const lastUse = new Map<string, number>();
  steps.forEach((s, i) => s.inputs.forEach((n) => lastUse.set(n, i)));
  return {
    async run(input, batch) {
      const out = t.tidy(() => {
        const x = t.tensor(input, [batch, ...inShape]);
        const values = new Map<string, TF.Tensor>([['input', nchw ? t.transpose(x, [0, 2, 3, 1]) : x]]);
        const get = (n: string) => values.get(n) ?? (() => { throw unsupported(`unknown input '${n}'`); })();
        let last: TF.Tensor = values.get('input')!;
        steps.forEach((s, i) => {
          last = t.tidy(() => s.step(get));
          values.set(s.name, last);
          for (const n of s.inputs) if (lastUse.get(n) === i && values.get(n) !== last) values.get(n)!.dispose();
        });
        return last;
      });
      const data = (await out.data()) as Float32Array;
      out.dispose();
      return data;
    },
    dispose() {
      for (const x of held) x.dispose();
      held.length = 0;
    },
  };
}
