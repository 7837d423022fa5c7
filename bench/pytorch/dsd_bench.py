#!/usr/bin/python3
"""Independent PyTorch twin of the Dsd.Bench items (same images, same thread count, same JSON line on stdout).

Written from the method (docs/method.md), not from the C# code: a tiny safetensors reader, VGG19 features (torchvision layout),
MATLAB-compatible strided bicubic downscale x↓α (4α taps, symmetric padding 1.5α, stride α), Gram, DSD, and an
xSRResNet for the training step and ×4 inference. Needs Debian's python3-torch (and PIL, numpy), e.g.
    apt-get install python3-torch libopenblas0-pthread
Usage: /usr/bin/python3 dsd_bench.py item <name> [--threads N] [--runs R] [--warmup W] [--weights F] [--data D]
       [--cache C] [--pairs P]
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

VGG_NAMES = [
    "conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1",
    "conv2_1", "relu2_1", "conv2_2", "relu2_2", "pool2",
    "conv3_1", "relu3_1", "conv3_2", "relu3_2", "conv3_3", "relu3_3", "conv3_4", "relu3_4", "pool3",
]
WIDTHS = {1: 64, 2: 128, 3: 256}
IQA_LAYERS = ["relu1_2", "relu2_1", "relu3_1"]
LOSS_LAYERS = ["relu2_1", "relu2_2", "relu3_1"]
FP_LAYERS = ["relu1_2", "relu2_1", "relu2_2", "relu3_1"]
MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


# ---------------------------------------------------------------- safetensors
def read_safetensors(path):
    dtypes = {"F32": np.float32, "F16": np.float16, "F64": np.float64}
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data[a:b], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        out[key] = torch.from_numpy(arr.astype(np.float32))
    return out


# ---------------------------------------------------------------- images
def load_image(path):
    """RGB float32 [1,3,H,W] in [0,1] = byte/255."""
    a = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(a.copy()).permute(2, 0, 1).unsqueeze(0).float().div_(255.0).contiguous()


def cubic(x):
    ax = abs(x)
    if ax <= 1:
        return 1.5 * ax ** 3 - 2.5 * ax ** 2 + 1
    if ax <= 2:
        return -0.5 * ax ** 3 + 2.5 * ax ** 2 - 4 * ax + 2
    return 0.0


def mirror(i, n):
    p = 2 * n
    m = i % p
    return m if m < n else p - 1 - m


_kernels = {}


def downscale(x, alpha):
    """x↓α: 4α×4α separable cubic kernel (antialiased taps), symmetric padding 1.5α, stride α → floor(H/α)."""
    size, pad = 4 * alpha, (4 * alpha - alpha) // 2
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    key = (alpha, c, x.dtype)
    if key not in _kernels:
        taps = np.array([cubic((i + 0.5 - 2 * alpha) / alpha) for i in range(size)], dtype=np.float64)
        taps /= taps.sum()
        k = torch.from_numpy(np.outer(taps, taps)).to(x.dtype)
        _kernels[key] = k.expand(c, 1, size, size).contiguous()
    ih = torch.tensor([mirror(i - pad, h) for i in range(h + 2 * pad)])
    iw = torch.tensor([mirror(i - pad, w) for i in range(w + 2 * pad)])
    padded = x.index_select(2, ih).index_select(3, iw)
    return F.conv2d(padded, _kernels[key], stride=alpha, groups=c)


# ---------------------------------------------------------------- VGG19 / Gram / DSD
class Vgg19(nn.Module):
    def __init__(self, state, taps):
        super().__init__()
        self.taps = list(taps)
        deepest = max(VGG_NAMES.index(t) for t in taps)
        layers, cin = [], 3
        for i in range(deepest + 1):
            name = VGG_NAMES[i]
            if name.startswith("conv"):
                cout = WIDTHS[int(name[4])]
                conv = nn.Conv2d(cin, cout, 3, padding=1)
                conv.weight.data.copy_(state[f"features.{i}.weight"])
                conv.bias.data.copy_(state[f"features.{i}.bias"])
                layers.append(conv)
                cin = cout
            elif name.startswith("relu"):
                layers.append(nn.ReLU())
            else:
                layers.append(nn.MaxPool2d(2, 2))
        self.layers = nn.ModuleList(layers)
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def forward(self, x):
        x = (x - MEAN.to(x.dtype)) / STD.to(x.dtype)
        out = {}
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if VGG_NAMES[i] in self.taps:
                out[VGG_NAMES[i]] = x
        return out


def gram(f):
    b, c, h, w = f.shape
    f = f.reshape(b, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def fingerprint(vgg, x, layers, alphas):
    full = vgg(x)
    gfull = {l: gram(full[l]) for l in layers}
    out = {}
    for a in alphas:
        small = vgg(downscale(x, a))
        for l in layers:
            out[(a, l)] = gfull[l] - gram(small[l])
    return out


def dsd_distance(px, py):
    return sum((px[k] - py[k]).abs().mean(dim=(1, 2)) for k in px)


# ---------------------------------------------------------------- xSRResNet
class XUnit(nn.Module):
    def __init__(self, c=64, k=7):
        super().__init__()
        self.conv = nn.Conv2d(c, c, k, padding=k // 2, groups=c)

    def forward(self, x):
        return x * torch.sigmoid(self.conv(x))


class XResBlock(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.xunit = XUnit(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return x + self.conv2(self.xunit(self.conv1(x)))


class XSrResNet(nn.Module):
    def __init__(self, blocks=10, c=64):
        super().__init__()
        self.head = nn.Conv2d(3, c, 5, padding=2)
        self.body = nn.Sequential(*[XResBlock(c) for _ in range(blocks)])
        self.up = nn.ModuleList([nn.Conv2d(c, 4 * c, 3, padding=1) for _ in range(2)])
        self.hrconv = nn.Conv2d(c, c, 3, padding=1)
        self.tail = nn.Conv2d(c, 3, 5, padding=2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        skip = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        f = F.leaky_relu(self.head(x), 0.1)
        f = self.body(f)
        for conv in self.up:
            f = F.leaky_relu(F.pixel_shuffle(conv(f), 2), 0.1)
        return self.tail(F.leaky_relu(self.hrconv(f), 0.1)) + skip


# ---------------------------------------------------------------- items
def tid_pairs(o, count):
    names = sorted(n for n in os.listdir(os.path.join(o.data, "iqa-calibration/ResultsCalibra/dist_dir")) if n.endswith(".bmp"))
    per = -(-count // len(names))
    pairs = []
    for n in names:
        for _ in range(per):
            if len(pairs) < count:
                pairs.append((os.path.join(o.data, "iqa-calibration/ResultsCalibra/dist_dir", n),
                              os.path.join(o.data, "iqa-calibration/ResultsCalibra/ref_dir", n)))
    return pairs


URBAN = ["img_001", "img_002", "img_003", "img_004", "img_005"]


def urban_pairs(o, count):
    per = -(-count // len(URBAN))
    pairs = []
    for n in URBAN:
        for _ in range(per):
            if len(pairs) < count:
                pairs.append((os.path.join(o.cache, f"{n}_HR_bicubic_x4.png"),
                              os.path.join(o.data, "sr-benchmarks/Urban100/x4", f"{n}_SRF_4_HR.png")))
    return pairs


def timed(o, once, warmup=None):
    """Warm-up, then --runs runs; with --interactive, one run per "run" line on stdin until "end" (see Dsd.Bench)."""
    values = []
    for _ in range(o.warmup):
        values = (warmup or once)()
    times = []

    def run():
        nonlocal values
        t0 = time.perf_counter()
        values = once()
        times.append((time.perf_counter() - t0) * 1000)
        return times[-1]

    if o.interactive:
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                break
            print(json.dumps({"ms": run()}), flush=True)
    else:
        for _ in range(o.runs):
            run()
    s = sorted(times)
    n = len(s)
    median = (s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])) if n else float("nan")
    return {"name": o.item, "impl": "pytorch", "times_ms": times, "median_ms": median, "min_ms": s[0] if n else float("nan"),
            "values": [float(v) for v in values]}


def vgg_for(o, layers):
    return Vgg19(read_safetensors(o.weights), layers)


def score_single(o, pair):
    vgg = vgg_for(o, IQA_LAYERS)

    def once():
        with torch.inference_mode():
            d, r = load_image(pair[0]), load_image(pair[1])
            pd = fingerprint(vgg, d, IQA_LAYERS, [2])
            pr = fingerprint(vgg, r, IQA_LAYERS, [2])
            return [dsd_distance(pd, pr).item()]
    return timed(o, once)


def score_folder(o, pairs):
    vgg = vgg_for(o, IQA_LAYERS)

    def score_all(count):
        scores, last, ref_print = [], None, None
        with torch.inference_mode():
            for dist, ref in pairs[:count]:
                if ref != last:  # cache the last reference's fingerprint, as a scoring tool would
                    ref_print = fingerprint(vgg, load_image(ref), IQA_LAYERS, [2])
                    last = ref
                d = load_image(dist)
                scores.append(dsd_distance(fingerprint(vgg, d, IQA_LAYERS, [2]), ref_print).item())
        return scores
    return timed(o, lambda: score_all(len(pairs)), lambda: score_all(min(3, len(pairs))))


def fingerprint_item(o):
    vgg = vgg_for(o, FP_LAYERS)
    image = load_image(tid_pairs(o, 1)[0][1])

    def once():
        with torch.inference_mode():
            p = fingerprint(vgg, image, FP_LAYERS, [2, 4])
            return [p[(a, l)].abs().mean().item() for a in [2, 4] for l in FP_LAYERS]
    return timed(o, once)


def train_step(o):
    torch.manual_seed(0)
    net = XSrResNet(10).train()
    vgg = vgg_for(o, LOSS_LAYERS)
    opt = torch.optim.Adam(net.parameters(), lr=2e-4, betas=(0.9, 0.99))
    lr, hr = torch.rand(16, 3, 24, 24), torch.rand(16, 3, 96, 96)

    def once():
        opt.zero_grad()
        sr = net(lr)
        with torch.no_grad():
            target = fingerprint(vgg, hr, LOSS_LAYERS, [2])
        loss = F.l1_loss(sr, hr) + dsd_distance(fingerprint(vgg, sr, LOSS_LAYERS, [2]), target).mean()
        loss.backward()
        opt.step()
        return [loss.item()]
    return timed(o, once)


def infer(o):
    torch.manual_seed(0)
    net = XSrResNet(10).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    x = torch.rand(1, 3, 256, 256)

    def once():
        with torch.inference_mode():
            y = net(x)
            return [y.shape[2], y.shape[3]]
    return timed(o, once)


def gemm(o):
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)

    def once():
        with torch.inference_mode():
            torch.mm(a, b)
        return []
    return timed(o, once)


def peak_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command")
    p.add_argument("item")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--pairs", type=int, default=50)
    p.add_argument("--interactive", action="store_true")
    p.add_argument("--precision", default="fp32")
    p.add_argument("--weights", default="/work/shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors")
    p.add_argument("--data", default="/work/shared/data")
    p.add_argument("--cache", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache"))
    o = p.parse_args()
    torch.set_num_threads(o.threads)
    items = {
        "gemm_2048": gemm,
        "score_512x384_single": lambda o: score_single(o, tid_pairs(o, 1)[0]),
        "score_512x384_folder50": lambda o: score_folder(o, tid_pairs(o, o.pairs)),
        "score_2k_single": lambda o: score_single(o, urban_pairs(o, 1)[0]),
        "score_2k_folder": lambda o: score_folder(o, urban_pairs(o, o.pairs)),
        "fingerprint_512x384": fingerprint_item,
        "train_step_xsrresnet": train_step,
        "infer_x4_256": infer,
    }
    result = items[o.item](o)
    result["peak_mb"] = peak_mb()
    result["threads"] = torch.get_num_threads()
    result["torch"] = torch.__version__
    print(json.dumps(result))


if __name__ == "__main__":
    main()
