/**
 * Full-size reference networks as graph CnnModels with seeded He-normal weights, for benchmarks:
 * MobileNetV2 (width 1.0, 224 × 224, torchvision's layout) and ResNet-18 (basic blocks).
 * Batch-norm is folded into the conv biases, as exporters do for inference. NCHW in, 1000 logits out.
 */
import { heNormal, mulberry32 } from '../util/random.js';
import type { Activation, CnnModel, Layer } from '../model/types.js';

class Builder {
  readonly layers: Layer[] = [];
  private rnd: () => number;
  private n = 0;
  constructor(seed: number) {
    this.rnd = mulberry32(seed);
  }

  /** A conv with PyTorch's symmetric padding (k − 1) / 2; returns its name. */
  conv(input: string, cin: number, filters: number, k: number, stride: number, activation?: Activation, groups = 1): string {
    const fanIn = (k * k * cin) / groups;
    const p = (k - 1) >> 1;
    return this.add({
      type: 'conv2d',
      filters,
      kernelSize: [k, k],
      strides: [stride, stride],
      padding: [p, p, p, p],
      groups,
      weights: heNormal(fanIn * filters, fanIn, this.rnd),
      bias: heNormal(filters, 50, this.rnd),
      activation,
      inputs: [input],
    });
  }

  add(layer: Layer): string {
    const name = `l${this.n++}`;
    this.layers.push({ ...layer, name } as Layer);
    return name;
  }

  /** Global average pool and a 1000-way dense head. */
  head(input: string, c: number): void {
    const g = this.add({ type: 'globalAvgPool2d', inputs: [input] });
    this.add({ type: 'dense', units: 1000, weights: heNormal(c * 1000, c, this.rnd), bias: heNormal(1000, 50, this.rnd), inputs: [g] });
  }
}

/** MobileNetV2 1.0 / 224: inverted residual blocks (expand 1×1, depthwise 3×3, project 1×1, add when the shape is kept). */
export function mobileNetV2(seed = 1): CnnModel {
  const b = new Builder(seed);
  let x = b.conv('input', 3, 32, 3, 2, 'relu6');
  let c = 32;
  const settings: [number, number, number, number][] = [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ];
  for (const [t, out, n, s] of settings)
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const hidden = c * t;
      let y = t === 1 ? x : b.conv(x, c, hidden, 1, 1, 'relu6');
      y = b.conv(y, hidden, hidden, 3, stride, 'relu6', hidden);
      y = b.conv(y, hidden, out, 1, 1);
      x = stride === 1 && c === out ? b.add({ type: 'add', inputs: [y, x] }) : y;
      c = out;
    }
  x = b.conv(x, c, 1280, 1, 1, 'relu6');
  b.head(x, 1280);
  return { name: 'mobilenet_v2', layout: 'NCHW', inputShape: [3, 224, 224], layers: b.layers };
}

/** ResNet-18: 7×7 stem, max pool, four stages of two basic blocks (conv-relu-conv, add, relu). */
export function resNet18(seed = 1): CnnModel {
  const b = new Builder(seed);
  let x = b.conv('input', 3, 64, 7, 2, 'relu');
  x = b.add({ type: 'maxPool2d', poolSize: [3, 3], strides: [2, 2], padding: [1, 1, 1, 1], inputs: [x] });
  let c = 64;
  for (const [out, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ])
    for (let i = 0; i < 2; i++) {
      const s = i === 0 ? stride : 1;
      // the shortcut first, so the block's second conv is followed directly by the add (fusable)
      const skip = s !== 1 || c !== out ? b.conv(x, c, out, 1, s) : x;
      const y = b.conv(b.conv(x, c, out, 3, s, 'relu'), out, out, 3, 1);
      x = b.add({ type: 'add', inputs: [y, skip], activation: 'relu' });
      c = out;
    }
  b.head(x, c);
  return { name: 'resnet18', layout: 'NCHW', inputShape: [3, 224, 224], layers: b.layers };
}

/**
 * A small U-Net (16 · 2^depth channels): two 3×3 ReLU convs per level, max-pool down, up by a
 * stride-2 transposed conv (odd levels) or bilinear upsampling (even levels), concat with the
 * encoder's skip, a 1×1 conv to `classes` per-pixel logits. NCHW, side divisible by 2^depth.
 */
export function uNet(side = 64, depth = 2, classes = 3, seed = 1): CnnModel {
  const b = new Builder(seed);
  const skips: [string, number][] = [];
  let x = 'input';
  let c = 3;
  for (let d = 0; d <= depth; d++) {
    const f = 16 << d;
    x = b.conv(b.conv(x, c, f, 3, 1, 'relu'), f, f, 3, 1, 'relu');
    c = f;
    if (d < depth) {
      skips.push([x, f]);
      x = b.add({ type: 'maxPool2d', poolSize: [2, 2], inputs: [x] });
    }
  }
  for (let d = depth - 1; d >= 0; d--) {
    const [skip, f] = skips[d];
    const fanIn = 4 * c;
    x =
      d % 2 === 1
        ? b.add({ type: 'conv2dTranspose', filters: f, kernelSize: [2, 2], strides: [2, 2], weights: heNormal(4 * f * c, fanIn, mulberry32(seed + d)), bias: heNormal(f, 50, mulberry32(seed + 9 + d)), inputs: [x] })
        : b.conv(b.add({ type: 'upsample2d', size: [2, 2], mode: 'bilinear', inputs: [x] }), c, f, 1, 1);
    x = b.add({ type: 'concat', inputs: [x, skip] });
    x = b.conv(b.conv(x, 2 * f, f, 3, 1, 'relu'), f, f, 3, 1, 'relu');
    c = f;
  }
  b.conv(x, c, classes, 1, 1);
  return { name: 'unet', layout: 'NCHW', inputShape: [3, side, side], layers: b.layers };
}
