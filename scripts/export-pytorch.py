"""Builds small CNNs of the standard families in PyTorch and exports each with both ONNX exporters.

Fixtures for test/formats/pytorch-fixtures.test.ts: every family gets seeded random weights and random
batch-norm statistics (eval mode), is exported with the TorchScript exporter (dynamo=False) and the
torch.export exporter (dynamo=True), and its input and PyTorch's output are saved as .npy next to them.
The tests read only the committed files; Python is needed only to regenerate them:

    python3 -m venv /tmp/pt
    /tmp/pt/bin/pip install --index-url file:///opt/pypi/simple \
        --extra-index-url file:///opt/pypi-more/simple torch==2.13.0+cpu onnx onnxscript numpy
    /tmp/pt/bin/python scripts/export-pytorch.py test/fixtures/pytorch

(torch 2.13.0+cpu, onnx 1.23, onnxscript 0.7 made the committed files.) Widths are kept small so the
whole set stays a few hundred kilobytes; full-size networks belong to the benchmark.
"""

import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def bn(c, dims=2):
    return nn.BatchNorm2d(c) if dims == 2 else nn.BatchNorm1d(c)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = bn(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = bn(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class Bottleneck(nn.Module):
    def __init__(self, cin, mid, stride):
        super().__init__()
        cout = mid * 4
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.bn1 = bn(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn2 = bn(mid)
        self.conv3 = nn.Conv2d(mid, cout, 1, bias=False)
        self.bn3 = bn(cout)
        self.relu = nn.ReLU(inplace=True)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + (x if self.down is None else self.down(x)))


class ResNet(nn.Module):
    """ResNet stem (7x7/2 conv, 3x3/2 max pool), two stages, global pool; the head flattens with
    x.view(x.size(0), -1) as torchvision's older code did (Shape/Gather/Concat/Reshape in TorchScript)."""

    def __init__(self, block):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3, bias=False), bn(8), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        if block == "basic":
            self.layers = nn.Sequential(BasicBlock(8, 8, 1), BasicBlock(8, 16, 2))
            width = 16
        else:
            self.layers = nn.Sequential(Bottleneck(8, 4, 1), Bottleneck(16, 4, 1), Bottleneck(16, 8, 2))
            width = 32
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, 10)

    def forward(self, x):
        x = self.pool(self.layers(self.stem(x)))
        return self.fc(x.view(x.size(0), -1))


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, mid, 1, bias=False), bn(mid), nn.ReLU6(inplace=True)]
        layers += [
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False),
            bn(mid),
            nn.ReLU6(inplace=True),
            nn.Conv2d(mid, cout, 1, bias=False),
            bn(cout),
        ]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, 2, 1, bias=False), bn(8), nn.ReLU6(inplace=True),
            InvertedResidual(8, 8, 1, 1),
            InvertedResidual(8, 12, 2, 6),
            InvertedResidual(12, 12, 1, 6),
            InvertedResidual(12, 16, 2, 6),
            nn.Conv2d(16, 32, 1, bias=False), bn(32), nn.ReLU6(inplace=True),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(32, 10))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class SqueezeExcite(nn.Module):
    def __init__(self, c, r):
        super().__init__()
        self.fc1 = nn.Conv2d(c, r, 1)
        self.fc2 = nn.Conv2d(r, c, 1)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class MobileNetV3Block(nn.Module):
    """MobileNetV3/EfficientNet pieces: hardswish, SiLU, squeeze-excitation with hardsigmoid, input normalisation."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1, bias=False), bn(8), nn.Hardswish())
        self.expand = nn.Sequential(nn.Conv2d(8, 16, 1, bias=False), bn(16), nn.SiLU())
        self.dw = nn.Sequential(nn.Conv2d(16, 16, 5, 1, 2, groups=16, bias=False), bn(16), nn.Hardswish())
        self.se = SqueezeExcite(16, 4)
        self.project = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), bn(8))
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        x = self.stem((x - self.mean) / self.std)
        x = x + self.project(self.se(self.dw(self.expand(x))))
        return self.head(x.mean((2, 3)))


class Fire(nn.Module):
    def __init__(self, cin, squeeze, expand):
        super().__init__()
        self.squeeze = nn.Conv2d(cin, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.squeeze(x))
        return torch.cat([F.relu(self.expand1(x)), F.relu(self.expand3(x))], 1)


class SqueezeNet(nn.Module):
    """SqueezeNet 1.1 layout: max pools with ceil_mode, fire modules, a conv classifier."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(16, 4, 8), Fire(16, 4, 8), nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(16, 6, 12),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Conv2d(24, 10, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), bn(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Two-level U-Net: max-pool down, nearest and bilinear upsampling up, skip concatenation."""

    def __init__(self):
        super().__init__()
        self.enc1 = conv_bn_relu(3, 8)
        self.enc2 = conv_bn_relu(8, 12)
        self.mid = conv_bn_relu(12, 16)
        self.dec2 = conv_bn_relu(16 + 12, 12)
        self.dec1 = conv_bn_relu(12 + 8, 8)
        self.out = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([F.interpolate(m, scale_factor=2, mode="nearest"), e2], 1))
        up = F.interpolate(d2, scale_factor=2, mode="bilinear", align_corners=False)
        d1 = self.dec1(torch.cat([up, e1], 1))
        return self.out(d1)


class AudioNet(nn.Module):
    """A Conv1d classifier on [N, C, L]: conv/batch-norm/ReLU, max and average pools, a dilated conv, global pool."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(2, 8, 5, stride=2, padding=2, bias=False), bn(8, 1), nn.ReLU(inplace=True), nn.MaxPool1d(2),
            nn.Conv1d(8, 12, 3, padding=1), bn(12, 1), nn.ReLU(inplace=True), nn.AvgPool1d(2),
            nn.Conv1d(12, 16, 3, padding=2, dilation=2), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool1d(1),
        )
        self.fc = nn.Linear(16, 6)

    def forward(self, x):
        return self.fc(torch.flatten(self.body(x), 1))


class Decoder(nn.Module):
    """A transposed-conv decoder from a [N, 16, 4, 4] latent map to a [N, 3, 32, 32] image."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.ConvTranspose2d(16, 12, 4, 2, 1, bias=False), bn(12), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(12, 8, 3, 2, 1, output_padding=1), bn(8), nn.LeakyReLU(0.1),
            nn.ConvTranspose2d(8, 8, 3, 2, 1, output_padding=1, groups=2), nn.ReLU(inplace=True),
            nn.Conv2d(8, 3, 3, padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.body(x)


FAMILIES = {
    "resnet-basic": (lambda: ResNet("basic"), (2, 3, 32, 32)),
    "resnet-bottleneck": (lambda: ResNet("bottleneck"), (2, 3, 32, 32)),
    "mobilenetv2": (MobileNetV2, (2, 3, 32, 32)),
    "mobilenetv3-block": (MobileNetV3Block, (2, 3, 24, 24)),
    "squeezenet": (SqueezeNet, (2, 3, 48, 48)),
    "unet": (UNet, (2, 3, 16, 16)),
    "conv1d": (AudioNet, (2, 2, 64)),
    "decoder": (Decoder, (2, 16, 4, 4)),
}


def randomize(model, seed):
    """Seeded weights and batch-norm statistics far from the identity, so a dropped BN shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                fan_in = m.weight[0].numel() if not isinstance(m, nn.ConvTranspose2d) else m.weight.shape[0] * m.weight[0, 0].numel() // m.groups
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = m.num_features
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.2)
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.2)
                m.running_var.copy_(torch.rand(c, generator=g) + 0.5)
    return model.eval()


# Older opsets through the TorchScript exporter: BatchNormalization left unfolded and Cast in the batch
# arithmetic at opset 7, Upsample (not Resize) at opset 9. ONNX's Upsample-9 'linear' samples with
# asymmetric coordinates, not PyTorch's half-pixel ones, so that file matches onnxruntime, not PyTorch.
OLD_OPSETS = {"resnet-basic": [7], "mobilenetv2": [7], "unet": [9]}


def export(name, make, shape, out_dir, seed):
    model = randomize(make(), seed)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1000))
    with torch.no_grad():
        y = model(x)
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    np.save(os.path.join(d, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(d, "output.npy"), y.numpy().astype(np.float32))
    # Batch is dynamic in both exports: TorchScript writes the batch arithmetic as Shape/Gather ops.
    torch.onnx.export(
        model, (x,), os.path.join(d, "torchscript.onnx"), dynamo=False, opset_version=17,
        input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
    )
    files = {"torchscript.onnx": True, "dynamo.onnx": True}
    for opset in OLD_OPSETS.get(name, []):
        file = f"torchscript-opset{opset}.onnx"
        torch.onnx.export(
            model, (x,), os.path.join(d, file), dynamo=False, opset_version=opset,
            input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
        )
        files[file] = name != "unet"
    batch = torch.export.Dim("N", min=1, max=64)
    program = torch.onnx.export(model, (x,), dynamo=True, dynamic_shapes=({0: batch},), input_names=["input"], output_names=["output"])
    program.save(os.path.join(d, "dynamo.onnx"), external_data=False)
    # files: each export and whether it computes what PyTorch computes (else compare with onnxruntime only)
    return {"name": name, "inputShape": list(shape), "outputShape": list(y.shape), "files": files}


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/pytorch"
    torch.manual_seed(0)
    index = [export(name, make, shape, out_dir, 100 + k) for k, (name, (make, shape)) in enumerate(FAMILIES.items())]
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump({"torch": torch.__version__, "models": index}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
