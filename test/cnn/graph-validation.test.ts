/** Graph validation: each refusal names the layer and the tensor at fault, and what to do. */
import { describe, expect, it } from 'vitest';
import { compileCnn, planModel, type CnnModel, type Layer } from '../../src/index.js';
import { F, RECORD_SIZE } from '../../src/model/plan.js';
import { native } from '../../src/native.js';

const relu = (name?: string, inputs?: string[]): Layer => ({ type: 'activation', activation: 'relu', name, inputs });
const model = (layers: Layer[], extra: Partial<CnnModel> = {}): CnnModel => ({ layout: 'NHWC', inputShape: [2, 2, 1], layers, ...extra });
const refuses = (m: CnnModel, message: RegExp) => expect(() => planModel(m)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_MODEL', message: expect.stringMatching(message) }));

describe('graph validation', () => {
  it('refuses an input name that is no layer and not the model input', () => {
    refuses(model([relu('a'), relu('b', ['nope'])]), /^layer 1 \(activation 'b'\): reads 'nope', which is neither a layer name nor the model input 'input'$/);
  });

  it('refuses forward references and cycles, naming both layers', () => {
    refuses(model([relu('a', ['b']), relu('b', ['a'])]), /layer 0 \(activation 'a'\): reads 'b', which is layer 1 \(activation 'b'\), later in the model; .*cycle/);
    refuses(model([relu('a', ['a'])]), /layer 0 \(activation 'a'\): reads its own output 'a' \(a cycle\)/);
  });

  it('refuses dangling tensors, naming every one', () => {
    refuses(
      model([relu('a'), relu('b', ['input']), relu('c', ['input'])]),
      /the output of layer 0 \(activation 'a'\), layer 1 \(activation 'b'\) is never read and is not the model output \(layer 2 \(activation 'c'\)\); a model has exactly one output/,
    );
    refuses(model([relu('a'), relu('b', ['a'])], { output: 'a' }), /the output of layer 1 \(activation 'b'\) is never read and is not the model output \(layer 0/);
    refuses(model([relu('a', ['input']), relu('b', ['a'])], { inputName: 'x' }), /reads 'input', which is neither a layer name nor the model input 'x'/);
  });

  it('refuses duplicate names, the input name reused, an unknown output', () => {
    refuses(model([relu('a'), relu('a')]), /layer 1 \(activation 'a'\): its name 'a' is already layer 0 \(activation 'a'\)'s; names must be unique/);
    refuses(model([relu('input')]), /its name 'input' is the model input's name/);
    refuses(model([relu('a')], { output: 'zz' }), /^model: output string 'zz' names no layer; a model has one output/);
  });

  it('refuses wrong input counts and mismatched shapes, naming the inputs', () => {
    refuses(model([{ type: 'add' }]), /layer 0 \(add\): takes 2 to 64 inputs; list them in 'inputs'/);
    refuses(model([relu('a'), { type: 'multiply', inputs: ['a', 'a', 'input'] }]), /layer 1 \(multiply\): takes 2 inputs but lists 3/);
    refuses(model([relu('a', ['input', 'input'])]), /layer 0 \(activation 'a'\): takes 1 input but lists 2/);
    refuses(
      model([{ type: 'zeroPad2d', name: 'p', padding: [1, 0, 0, 0] }, { type: 'add', inputs: ['p', 'input'] }]),
      /layer 1 \(add\): input 1 has shape 2×2×1 but input 0 has 3×2×1; add needs inputs of one shape/,
    );
    refuses(
      model([{ type: 'zeroPad2d', name: 'p', padding: [1, 0, 0, 0] }, { type: 'concat', inputs: ['input', 'p'] }]),
      /layer 1 \(concat\): input 1 is 3×2×1 but input 0 is 2×2×1; concat joins channels and needs one spatial size/,
    );
  });

  it('checks the new layers fields', () => {
    refuses(model([{ type: 'upsample2d', size: [2, 2], mode: 'cubic' as 'nearest' }]), /layer 0 \(upsample2d\): Expected mode 'nearest' or 'bilinear'/);
    refuses(model([{ type: 'upsample2d', size: [2, 2], mode: 'bilinear', coordinateMode: 'tfCropAndResize' as 'halfPixel' }]), /Expected coordinateMode to be one of asymmetric, halfPixel/);
    refuses(model([{ type: 'cropping2d', cropping: [1, 1, 0, 0] }]), /layer 0 \(cropping2d\): cropping \[1, 1, 0, 0\] leaves nothing of its 2×2 input/);
    refuses(model([{ type: 'scaleShift', scale: new Float32Array(2) }]), /Expected scale to be a Float32Array of length 1 or 1 but received a Float32Array of length 2/);
    const ct: Extract<Layer, { type: 'conv2dTranspose' }> = { type: 'conv2dTranspose', filters: 2, kernelSize: [3, 3], strides: [2, 2], weights: new Float32Array(18) };
    refuses(model([{ ...ct, outputPadding: [2, 0] }]), /outputPadding .* must be smaller than the stride or the dilation/);
    refuses(model([{ ...ct, weights: new Float32Array(17) }]), /Expected weights \(\[kh, kw, filters\/groups, inChannels\]\) to have length 18 but it has length 17/);
    refuses(model([{ ...ct, padding: [3, 3, 0, 0], strides: [1, 1] }]), /its output height would be -2; reduce the padding/);
    refuses(model([relu('a')], { spatialRank: 3 as 1 }), /Expected spatialRank 1 or 2/);
    refuses(model([relu('a')], { spatialRank: 1 }), /inputShape of rank 2 \(\[L, C\]\) or 1 \(\[N\]\) for a 1-D model/);
  });

  it('native code re-checks the wiring and the arena', () => {
    const plan = planModel(model([relu('a'), relu('b'), { type: 'add', inputs: ['b', 'a'] }]));
    expect(plan.ops.map((o) => o.inputs)).toEqual([[0], [1], [2, 1]]);
    const n = native();
    const create = (records: Float64Array, edges: Float64Array) => n.cnnDispose(n.cnnCreate(records, plan.tensors, false, 4, 4, edges, -1));
    create(plan.records, plan.edges);
    const fwd = plan.edges.slice();
    fwd[0] = 2; // op 0 reads the output of op 1
    expect(() => create(plan.records, fwd)).toThrow(/op 0 \(layer 0\): input 0 is not a value computed before the op/);
    const shared = plan.records.slice();
    shared[RECORD_SIZE + F.outOffset] = shared[F.outOffset]; // b written over a while the add still reads a
    expect(() => create(shared, plan.edges)).toThrow(/op 1 \(layer 1\): its output overlaps the memory of value 1 while that is still read/);
    const outside = plan.records.slice();
    outside[F.outOffset] = -1;
    expect(() => create(outside, plan.edges)).toThrow(/only the last op of an NHWC model writes outside the arena/);
  });

  it('reports activation memory: a residual block needs the skip alive across the branch', () => {
    const conv = (name: string, inputs?: string[]): Layer => ({ type: 'conv2d', name, inputs, filters: 8, kernelSize: [3, 3], padding: 'same', weights: new Float32Array(9 * 64), activation: 'relu' });
    const block: CnnModel = { layout: 'NHWC', inputShape: [8, 8, 8], layers: [conv('a'), conv('b'), conv('c'), { type: 'add', inputs: ['c', 'a'] }, conv('d')] };
    const c = compileCnn(block);
    const t = 8 * 8 * 8 * 4; // one tensor
    expect(c.memory.peakLiveBytesPerSample).toBe(3 * t); // a (skip), b, and c being written
    expect(c.memory.activationBytesPerSample).toBe(3 * t);
    c.dispose();
  });
});
