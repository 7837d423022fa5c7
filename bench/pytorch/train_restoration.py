#!/usr/bin/env python3
"""One-shot GPU training of both restoration networks (docs/method.md §4–5): xSRResNet (×4 SR) and DeblurNet.

PyTorch and the standard library only (no numpy, Pillow or torchvision), so it runs on a bare CUDA machine. Works on
torch 1.13 and 2.x. For each task two stages, each stopped by wall-clock time:
  1. PSNR stage: L1;
  2. DSD stage, started from 1: 1·L1 + 1·perceptual + 100·D_DSD.
Perceptual = L1 of VGG19 relu2_2 features (the shipped VGG weights stop at conv3_1, as in our C# trainer);
D_DSD = Σ_l mean|DSD_2^l(out) − DSD_2^l(target)| over relu2_1, relu2_2, relu3_1 (α = 2, MATLAB-style strided
bicubic ↓2, ImageNet normalisation), averaged over the batch; the target side carries no gradient.
Adam lr 2e-4, betas (0.9, 0.99), batch 16, cosine decay over the stage's expected number of steps (re-estimated
from the measured step time), random flips/transpositions, one grey level of uniform noise on the input (centred,
as the C# trainer's PatchDataset). SR: HR crops 192 px, LR = bicubic ↓4 of the whole HR image quantised to 8 bits
(as a saved LR file), LR crops 48 px; deblurring: 128-px crops of (blurred, sharp) pairs, output = net(x) + x.

Data (bench/pytorch/prepare_restoration_data.sh makes it): DATA/{sr,deblur}/{train,val}/ with images as .rgbz
(written by `Dsd.Bench to-rgbz`, decoded here with zlib + two cumulative sums) or binary .ppm (P6, 8 bit);
DATA/vgg19_features_0-10.safetensors. sr/train: HR images; sr/val: NAME_HR + NAME_LR; deblur/*: X + X_gt.

Outputs in --out: sr-l1.pth, sr-dsd.pth, deblur-l1.pth, deblur-dsd.pth (torch.save of the state dict with the
reference parameter names, CPU tensors: `dsd restore sr --model sr-dsd.pth` loads them), train-log.json, and
forward-check.safetensors (fixed inputs and each model's fp32 output, for the C# parity test).

Usage: train_restoration.py --data DIR --out DIR [--minutes 9] [--device cuda] [--seed 0]
       train_restoration.py --dry-run --data DIR --out DIR      (CPU, a few tiny steps per stage, < 1 min)
"""
import argparse
import collections
import glob
import json
import math
import os
import random
import struct
import sys
import time
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

# ---------------------------------------------------------------- image files (stdlib + torch)


def read_rgbz(path):
    """A .rgbz file (Dsd.Bench to-rgbz) as uint8 [3,H,W]."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:8] != b"DSDRGBZ1":
        raise ValueError(f"{path}: not a .rgbz file")
    w, h = struct.unpack("<II", blob[8:16])
    raw = zlib.decompress(blob[16:])
    if len(raw) != w * h * 3:
        raise ValueError(f"{path}: {len(raw)} bytes for {w}x{h}x3")
    d = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(h, w, 3).to(torch.int32)
    c = d.cumsum(1).cumsum(0).bitwise_and_(255)  # undo the plane predictor (mod 256)
    g = c[:, :, 1]
    r = (c[:, :, 0] + g).bitwise_and_(255)
    b = (c[:, :, 2] + g).bitwise_and_(255)
    return torch.stack([r, g, b]).to(torch.uint8).contiguous()


def read_ppm(path):
    """A binary PPM (P6, maxval 255) as uint8 [3,H,W]."""
    with open(path, "rb") as f:
        blob = f.read()
    fields, pos = [], 0
    while len(fields) < 4:
        while blob[pos:pos + 1].isspace():
            pos += 1
        if blob[pos:pos + 1] == b"#":
            pos = blob.index(b"\n", pos) + 1
            continue
        end = pos
        while not blob[end:end + 1].isspace():
            end += 1
        fields.append(blob[pos:end])
        pos = end
    pos += 1  # the single whitespace after maxval
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise ValueError(f"{path}: only binary 8-bit PPM (P6, maxval 255) is read")
    w, h = int(fields[1]), int(fields[2])
    data = torch.frombuffer(bytearray(blob[pos:pos + w * h * 3]), dtype=torch.uint8)
    return data.view(h, w, 3).permute(2, 0, 1).contiguous()


IMAGE_EXT = (".rgbz", ".ppm")


def read_image(path):
    return read_rgbz(path) if path.endswith(".rgbz") else read_ppm(path)


def image_files(folder):
    return sorted(p for p in glob.glob(os.path.join(folder, "*")) if p.endswith(IMAGE_EXT))


def stem(path):
    return os.path.splitext(os.path.basename(path))[0]


# ---------------------------------------------------------------- safetensors (stdlib + torch)

_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "F64": torch.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, info in header.items():
        if key == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(data[a:b]), dtype=_DTYPES[info["dtype"]]) if b > a else torch.zeros(0)
        out[key] = t.reshape(info["shape"]).float()
    return out


def write_safetensors(path, tensors):
    """float32 tensors (small ones: packed with struct, no numpy)."""
    header, chunks, offset = {}, [], 0
    for key, t in tensors.items():
        flat = t.detach().to("cpu", torch.float32).contiguous().view(-1).tolist()
        blob = struct.pack(f"<{len(flat)}f", *flat)
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for c in chunks:
            f.write(c)


# ---------------------------------------------------------------- MATLAB-style strided bicubic ↓α (method §1)


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


_kernels, _indices = {}, {}


def downscale(x, alpha):
    """x↓α: 4α×4α cubic kernel (antialiased taps), symmetric padding 1.5α, stride α → floor(H/α) × floor(W/α)."""
    size, pad = 4 * alpha, (4 * alpha - alpha) // 2
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    key = (alpha, c, x.dtype, x.device)
    if key not in _kernels:
        taps = torch.tensor([cubic((i + 0.5 - 2 * alpha) / alpha) for i in range(size)], dtype=torch.float64)
        taps /= taps.sum()
        k = torch.outer(taps, taps).to(x.dtype)
        _kernels[key] = k.expand(c, 1, size, size).contiguous().to(x.device)
    ikey = (h, w, pad, x.device)
    if ikey not in _indices:
        _indices[ikey] = (torch.tensor([mirror(i - pad, h) for i in range(h + 2 * pad)], device=x.device),
                          torch.tensor([mirror(i - pad, w) for i in range(w + 2 * pad)], device=x.device))
    ih, iw = _indices[ikey]
    padded = x.index_select(2, ih).index_select(3, iw)
    return F.conv2d(padded, _kernels[key], stride=alpha, groups=c)


# ---------------------------------------------------------------- VGG19 / Gram / DSD (method §1–2)

VGG_NAMES = [
    "conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1",
    "conv2_1", "relu2_1", "conv2_2", "relu2_2", "pool2",
    "conv3_1", "relu3_1", "conv3_2", "relu3_2", "conv3_3", "relu3_3", "conv3_4", "relu3_4", "pool3",
]
WIDTHS = {1: 64, 2: 128, 3: 256}
DSD_LAYERS = ["relu2_1", "relu2_2", "relu3_1"]
PERCEPTUAL_LAYER = "relu2_2"  # conv5_4 in the paper; the shipped weights stop at conv3_1
DSD_ALPHA = 2


# The VGG19 / Gram / bicubic code repeats dsd_bench.py's on purpose: that module imports numpy and Pillow at load
# time, and the GPU machine this script is written for has torch only.
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
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def forward(self, x):
        x = (x - self.mean) / self.std
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


def features_and_dsd(vgg, x):
    """(features of x at every tap, {layer: DSD_α^l(x)}) for the loss layers at α = 2."""
    full = vgg(x)
    small = vgg(downscale(x, DSD_ALPHA))
    return full, {l: gram(full[l]) - gram(small[l]) for l in DSD_LAYERS}


def dsd_distance(px, py):
    """Per-image D_DSD: Σ_l mean|px_l − py_l| → [B]."""
    return sum((px[l] - py[l]).abs().mean(dim=(1, 2)) for l in px)


# ---------------------------------------------------------------- networks with the reference parameter names (method §4)


class XUnit(nn.Module):
    def __init__(self, c=64, k=7):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(c, c, k, padding=k // 2, groups=c), nn.Sigmoid())

    def forward(self, x):
        return x * self.features(x)


class XResBlock(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.xunit = XUnit(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)

    def forward(self, x):
        return x + self.conv2(self.xunit(self.conv1(x)))


class UpsampleX2(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.conv = nn.Conv2d(c, 4 * c, 3, padding=1)

    def forward(self, x):
        return F.leaky_relu(F.pixel_shuffle(self.conv(x), 2), 0.1)


def kaiming_init(module):
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class XSrResNet(nn.Module):
    """×4: 1,111,299 parameters with 10 blocks."""
    scale = 4

    def __init__(self, blocks=10, c=64):
        super().__init__()
        self.image_to_features = nn.Conv2d(3, c, 5, padding=2)
        self.features = nn.Sequential(*[XResBlock(c) for _ in range(blocks)])
        self.usample = nn.Sequential(UpsampleX2(c), UpsampleX2(c))
        self.hrconv = nn.Conv2d(c, c, 3, padding=1)
        self.features_to_image = nn.Conv2d(c, 3, 5, padding=2)
        kaiming_init(self)

    def forward(self, x):
        skip = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
        f = self.usample(self.features(F.leaky_relu(self.image_to_features(x), 0.1)))
        return self.features_to_image(F.leaky_relu(self.hrconv(f), 0.1)) + skip


class DeblurNet(nn.Module):
    """815,875 parameters with 10 blocks; global residual (output = net(x) + x)."""
    scale = 1

    def __init__(self, blocks=10, c=64):
        super().__init__()
        self.image_to_features = nn.Conv2d(3, c, 5, padding=2)
        self.features = nn.Sequential(*[XResBlock(c) for _ in range(blocks)])
        self.hrconv = nn.Conv2d(c, c, 3, padding=1)
        self.features_to_image = nn.Conv2d(c, 3, 5, padding=2)
        kaiming_init(self)

    def forward(self, x):
        f = self.features(F.leaky_relu(self.image_to_features(x), 0.1))
        return self.features_to_image(F.leaky_relu(self.hrconv(f), 0.1)) + x


EXPECTED_PARAMS = {"sr": 1111299, "deblur": 815875}
END_MARGIN_S = 20.0      # writing train-log.json and forward-check.safetensors, and slack
STAGE_OVERHEAD_S = 10.0  # per stage still to run: saving, validation (5 deblurring images of 1280×720), fp32 check


def save_state(model, path):
    """torch.save of the state dict as CPU tensors (an OrderedDict, as state_dict() returns)."""
    state = collections.OrderedDict((k, v.detach().cpu().clone()) for k, v in model.state_dict().items())
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


# ---------------------------------------------------------------- data


def to_float(u8):
    return u8.float().div_(255.0)


def quantise(x):
    return x.clamp(0, 1).mul(255).round().div(255)


class SrData:
    """HR training images on the device with their 8-bit bicubic ↓4 (made once from the whole image)."""

    def __init__(self, folder, device, crop, limit=0):
        self.hr, self.lr = [], []
        skipped = 0
        for p in image_files(os.path.join(folder, "train"))[:limit or None]:
            u8 = read_image(p)
            h, w = u8.shape[1] // 4 * 4, u8.shape[2] // 4 * 4
            if min(h, w) < 4 * crop:
                skipped += 1
                continue
            hr = u8[:, :h, :w].to(device)
            lr = downscale(to_float(hr).unsqueeze(0), 4).squeeze(0)
            self.hr.append(hr)
            self.lr.append(quantise(lr).mul(255).to(torch.uint8))
        if not self.hr:
            raise SystemExit(f"no usable SR training image in {folder}/train")
        self.skipped = skipped

    def pair(self, rng, crop):
        i = rng.randrange(len(self.hr))
        lr, hr = self.lr[i], self.hr[i]
        y, x = rng.randrange(lr.shape[1] - crop + 1), rng.randrange(lr.shape[2] - crop + 1)
        return lr[:, y:y + crop, x:x + crop], hr[:, 4 * y:4 * (y + crop), 4 * x:4 * (x + crop)]


class DeblurData:
    """(blurred, sharp) training pairs X + X_gt on the device."""

    def __init__(self, folder, device, crop, limit=0):
        self.blurred, self.sharp = [], []
        for p in image_files(os.path.join(folder, "train")):
            if stem(p).endswith("_gt") or (limit and len(self.blurred) >= limit):
                continue
            gt = [q for q in (os.path.join(folder, "train", stem(p) + "_gt" + e) for e in IMAGE_EXT) if os.path.exists(q)]
            if not gt:
                continue
            b, s = read_image(p), read_image(gt[0])
            if b.shape != s.shape or min(b.shape[1:]) < crop:
                continue
            self.blurred.append(b.to(device))
            self.sharp.append(s.to(device))
        if not self.blurred:
            raise SystemExit(f"no deblurring training pair (X + X_gt) in {folder}/train")

    def pair(self, rng, crop):
        i = rng.randrange(len(self.blurred))
        b, s = self.blurred[i], self.sharp[i]
        y, x = rng.randrange(b.shape[1] - crop + 1), rng.randrange(b.shape[2] - crop + 1)
        return b[:, y:y + crop, x:x + crop], s[:, y:y + crop, x:x + crop]


def batch(data, rng, size, crop):
    inputs, targets = [], []
    for _ in range(size):
        a, b = data.pair(rng, crop)
        if rng.random() < 0.5:
            a, b = a.flip(2), b.flip(2)
        if rng.random() < 0.5:
            a, b = a.flip(1), b.flip(1)
        if rng.random() < 0.5:
            a, b = a.transpose(1, 2), b.transpose(1, 2)
        inputs.append(a)
        targets.append(b)
    x = to_float(torch.stack(inputs))
    y = to_float(torch.stack(targets))
    # One grey level of uniform noise, centred (the C# PatchDataset's form of (x·255 + U(0,1))/256).
    return x + (torch.rand_like(x) - 0.5) / 255.0, y


def validation_pairs(task, folder, limit, max_side=0):
    """[(name, input uint8, target uint8)] from DATA/<task>/val; max_side crops the input (and the target with it)."""
    val = os.path.join(folder, "val")
    out = []
    for p in image_files(val):
        s = stem(p)
        if task == "sr" and s.endswith("_HR"):
            lr = [q for q in (os.path.join(val, s[:-3] + "_LR" + e) for e in IMAGE_EXT) if os.path.exists(q)]
            if lr:
                out.append((s[:-3], read_image(lr[0]), read_image(p)))
        elif task == "deblur" and not s.endswith("_gt"):
            gt = [q for q in (os.path.join(val, s + "_gt" + e) for e in IMAGE_EXT) if os.path.exists(q)]
            if gt:
                out.append((s, read_image(p), read_image(gt[0])))
    out = out[:limit] if limit else out
    if max_side:
        s = 4 if task == "sr" else 1
        out = [(n, i[:, :max_side, :max_side], t[:, :s * max_side, :s * max_side]) for n, i, t in out]
    return out


# ---------------------------------------------------------------- metrics


def psnr_y(out, target, shave):
    """PSNR on BT.601 Y (limited range) of 8-bit-rounded images in [0,1], border shave (method §7)."""
    def y(img):
        img = quantise(img.double())
        return (65.481 * img[:, 0] + 128.553 * img[:, 1] + 24.966 * img[:, 2] + 16.0) / 255.0
    a, b = y(out), y(target)
    if shave:
        a, b = a[:, shave:-shave, shave:-shave], b[:, shave:-shave, shave:-shave]
    mse = (a - b).pow(2).mean().item()
    return float("inf") if mse == 0 else 10 * math.log10(1.0 / mse)


def evaluate(model, task, pairs, vgg, device):
    """Mean PSNR-Y and D_DSD (loss layers) over the validation pairs, plus the baseline (the input / bilinear ↑4)."""
    model.eval()
    shave = 4 if task == "sr" else 0
    rows = []
    autotune = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = False  # every validation image has its own size: no autotuning per shape
    with torch.no_grad():
        for name, inp, tgt in pairs:
            x = to_float(inp).unsqueeze(0).to(device)
            t = to_float(tgt).unsqueeze(0).to(device)
            if task == "sr":
                t = t[:, :, :4 * x.shape[2], :4 * x.shape[3]]
                base = F.interpolate(x, scale_factor=4, mode="bilinear", align_corners=False)
            else:
                base = x
            out = model(x)
            row = {"name": name, "psnr_y": psnr_y(out, t, shave), "baseline_psnr_y": psnr_y(base, t, shave)}
            if min(t.shape[2:]) >= 32:
                _, dt = features_and_dsd(vgg, t)
                _, do = features_and_dsd(vgg, quantise(out))
                row["dsd"] = dsd_distance(do, dt).item()
            rows.append(row)
    torch.backends.cudnn.benchmark = autotune
    model.train()

    def mean(k):
        v = [r[k] for r in rows if k in r and math.isfinite(r[k])]
        return sum(v) / len(v) if v else None
    return {"images": len(rows), "psnr_y": mean("psnr_y"), "baseline_psnr_y": mean("baseline_psnr_y"),
            "dsd": mean("dsd"), "per_image": rows}


# ---------------------------------------------------------------- training


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def train_stage(model, stage, data, cfg, vgg, device, seconds, rng, log):
    """Runs Adam steps until `seconds` have passed; cosine decay over the expected steps (re-estimated)."""
    try:  # one multi-tensor update instead of ~5 kernels per parameter tensor (the default on CUDA in torch 2.x)
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99), foreach=device.type == "cuda")
    except TypeError:  # a torch without the foreach option
        opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=(0.9, 0.99))
    crop = cfg.crop
    step, expected = 0, None
    sums = collections.defaultdict(float)
    tail = collections.deque(maxlen=50)
    model.train()
    sync(device)
    start = time.time()
    timed_from = None  # (step, time) after the warm-up steps (cuDNN benchmark autotuning)
    warm = min(5, cfg.max_steps or 5)
    while True:
        now = time.time()
        if step >= 1 and (now - start >= seconds or (cfg.max_steps and step >= cfg.max_steps)):
            break
        if step == warm:
            sync(device)
            timed_from = (step, time.time())
        if timed_from is not None and step >= timed_from[0] + 15 and (expected is None or step % 100 == 0):
            rate = (now - timed_from[1]) / (step - timed_from[0])
            expected = step + max(1, int((seconds - (now - start)) / rate))
        total = expected if expected else max(cfg.max_steps or 0, 10 ** 9)
        lr = cfg.lr * 0.5 * (1 + math.cos(math.pi * min(step, total) / total)) if expected else cfg.lr
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(data, rng, cfg.batch, crop)
        out = model(x)
        l1 = F.l1_loss(out, y)
        terms = {"l1": l1}
        if stage == "dsd":
            with torch.no_grad():
                ft, dt = features_and_dsd(vgg, y)
            fo, do = features_and_dsd(vgg, out)
            terms["perceptual"] = F.l1_loss(fo[PERCEPTUAL_LAYER], ft[PERCEPTUAL_LAYER])
            terms["dsd"] = dsd_distance(do, dt).mean()
            loss = l1 + terms["perceptual"] + 100.0 * terms["dsd"]
        else:
            loss = l1
        terms["total"] = loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 10 == 0 or cfg.dry_run:
            vals = {k: v.item() for k, v in terms.items()}
            if not all(math.isfinite(v) for v in vals.values()):
                raise SystemExit(f"{stage} stage: non-finite loss at step {step}: {vals}")
            tail.append(vals)
            if step % 200 == 0 or cfg.dry_run:
                print(f"  {stage} step {step}{'/' + str(expected) if expected else ''} lr {lr:.2e} "
                      + " ".join(f"{k} {v:.5f}" for k, v in vals.items()) + f" ({time.time() - start:.0f}s)", flush=True)
    sync(device)
    elapsed = time.time() - start
    final = {k: sum(d[k] for d in tail) / len(tail) for k in (tail[0] if tail else {})}
    log.update({"steps": step, "seconds": round(elapsed, 2), "expected_steps": expected,
                "ms_per_step": round(1000 * elapsed / max(step, 1), 2),
                "final_losses": final, "final_losses_over": f"mean of the last {len(tail)} logged steps (" + ("every step" if cfg.dry_run else "every 10th") + ")"})
    return step


def finite(v):
    """JSON without NaN/Infinity: non-finite floats as strings ("inf" for identical images)."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [finite(x) for x in v]
    return v


def forward_check_input(task, seed=1234):
    g = torch.Generator().manual_seed(seed)
    h, w = (12, 16) if task == "sr" else (24, 20)
    return torch.rand(1, 3, h, w, generator=g)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "restoration-data"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=9.0, help="total budget for everything (default 9)")
    ap.add_argument("--sr-share", type=float, default=0.55, help="share of the training time for SR (rest: deblurring)")
    ap.add_argument("--psnr-share", type=float, default=0.60, help="share of a task's time for the L1 stage")
    ap.add_argument("--device", default=None, help="cuda (default when available) or cpu")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--blocks", type=int, default=10)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--tasks", default="sr,deblur")
    ap.add_argument("--vgg", default=None, help="VGG19 conv1_1..conv3_1 safetensors (default DATA/vgg19_features_0-10.safetensors)")
    ap.add_argument("--no-zero-tail", action="store_true", help="keep the Kaiming-initialised last conv (default: zero, as dsd train --zero-tail)")
    ap.add_argument("--val-limit", type=int, default=0, help="validate on the first N images only (default all)")
    ap.add_argument("--dry-run", action="store_true",
                    help="CPU, 1 thread, 3 steps per stage, tiny crops, batch 2, the first few training images, 1 cropped validation image")
    args = ap.parse_args()

    wall0 = time.time()
    if args.dry_run:
        torch.set_num_threads(1)
        device = torch.device(args.device or "cpu")
    else:
        device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cudnn.allow_tf32 = True       # convolutions in TF32
        torch.backends.cuda.matmul.allow_tf32 = False  # Gram matrices (bmm) stay fp32
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    vgg_path = args.vgg or os.path.join(args.data, "vgg19_features_0-10.safetensors")
    if not os.path.exists(vgg_path):
        raise SystemExit(f"VGG19 weights not found: {vgg_path} (prepare_restoration_data.sh copies them into DATA)")
    vgg = Vgg19(read_safetensors(vgg_path), DSD_LAYERS).to(device)

    tasks = [t for t in args.tasks.split(",") if t]
    # Every stage's time is a share of what is left when it starts, so loading, validation and saving (and a slow
    # start) come out of the stages still to run and the whole stays within --minutes: a fixed end margin for the
    # last outputs and an allowance per stage still to run for its validation and saving.
    deadline = wall0 + args.minutes * 60 - (0 if args.dry_run else END_MARGIN_S)
    task_share = {"sr": args.sr_share, "deblur": 1 - args.sr_share}
    plan = [(t, st, task_share[t] * (args.psnr_share if st == "psnr" else 1 - args.psnr_share))
            for t in tasks for st in ("psnr", "dsd")]

    def stage_seconds(index):
        left = deadline - time.time() - (0 if args.dry_run else STAGE_OVERHEAD_S) * (len(plan) - index)
        return max(1.0, left * plan[index][2] / sum(p[2] for p in plan[index:]))

    log = {"torch": torch.__version__, "device": str(device),
           "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
           "minutes": args.minutes, "dry_run": args.dry_run, "seed": args.seed, "blocks": args.blocks,
           "batch": 2 if args.dry_run else args.batch, "lr": args.lr, "betas": [0.9, 0.99],
           "losses": {"psnr": "L1", "dsd": "1*L1 + 1*perceptual(relu2_2, L1) + 100*D_DSD(relu2_1,relu2_2,relu3_1; alpha=2)"},
           "tf32": {"conv": device.type == "cuda", "matmul": False},
           "validation": {"psnr_y": "BT.601 Y of 8-bit-rounded outputs, border shave 4 (SR) / 0 (deblur)",
                          "baseline_psnr_y": "SR: bilinear x4 of the LR input (the network's skip path); deblur: the blurred input",
                          "dsd": "D_DSD with the loss layers (relu2_1, relu2_2, relu3_1; alpha=2) of the 8-bit output"},
           "tasks": {}}
    checks = {}
    for task in tasks:
        t0 = time.time()
        folder = os.path.join(args.data, task)
        cfg = argparse.Namespace(lr=args.lr, batch=2 if args.dry_run else args.batch, dry_run=args.dry_run,
                                 max_steps=3 if args.dry_run else 0,
                                 crop=(8 if task == "sr" else 32) if args.dry_run else (48 if task == "sr" else 128))
        if task == "sr":
            data = SrData(folder, device, cfg.crop, 4 if args.dry_run else 0)
            model = XSrResNet(args.blocks).to(device)
            ntrain = len(data.hr)
        else:
            data = DeblurData(folder, device, cfg.crop, 2 if args.dry_run else 0)
            model = DeblurNet(args.blocks).to(device)
            ntrain = len(data.blurred)
        if not args.no_zero_tail:
            # As dsd train --zero-tail: the network starts as its skip path (bilinear ×4 / identity), not skip + a
            # random image with values in the hundreds, so the L1 stage starts at the skip path's loss.
            with torch.no_grad():
                model.features_to_image.weight.zero_()
                model.features_to_image.bias.zero_()
        params = sum(p.numel() for p in model.parameters())
        if args.blocks == 10 and params != EXPECTED_PARAMS[task]:
            raise SystemExit(f"{task}: {params} parameters, expected {EXPECTED_PARAMS[task]}")
        val = validation_pairs(task, folder, 1 if args.dry_run else args.val_limit, (24 if task == "sr" else 64) if args.dry_run else 0)
        tlog = {"parameters": params, "train_images": ntrain, "val_images": len(val), "crop": cfg.crop,
                "target_crop": cfg.crop * model.scale, "load_seconds": round(time.time() - t0, 2), "stages": {}}
        log["tasks"][task] = tlog
        print(f"{task}: {params} parameters, {ntrain} training images, {len(val)} validation images", flush=True)
        for stage in ("psnr", "dsd"):
            index = next(i for i, p in enumerate(plan) if p[0] == task and p[1] == stage)
            seconds = stage_seconds(index)
            slog = {"budget_seconds": round(seconds, 1)}
            print(f"  {stage} stage: " + ("3 steps (dry run)" if args.dry_run else f"{seconds:.0f}s"), flush=True)
            train_stage(model, stage, data, cfg, vgg, device, seconds, rng, slog)
            name = f"{task}-{'l1' if stage == 'psnr' else 'dsd'}"
            path = os.path.join(args.out, name + ".pth")
            save_state(model, path)
            v0 = time.time()
            slog["validation"] = evaluate(model, task, val, vgg, device)
            slog["validation_seconds"] = round(time.time() - v0, 2)
            slog["file"] = os.path.basename(path)
            tlog["stages"][stage] = slog
            # fp32 forward of a fixed input (TF32 off) for the C# parity test.
            prev = torch.backends.cudnn.allow_tf32
            torch.backends.cudnn.allow_tf32 = False
            model.eval()
            with torch.no_grad():
                x = forward_check_input(task)
                checks[f"{task}-input"] = x
                checks[name] = model(x.to(device)).cpu()
            model.train()
            torch.backends.cudnn.allow_tf32 = prev
            v = slog["validation"]
            print(f"  {name}: {slog['steps']} steps in {slog['seconds']:.0f}s, val PSNR-Y {v['psnr_y']} "
                  f"(baseline {v['baseline_psnr_y']}), DSD {v['dsd']} -> {path}", flush=True)
        del data, model
        if device.type == "cuda":
            torch.cuda.empty_cache()
    write_safetensors(os.path.join(args.out, "forward-check.safetensors"), checks)
    log["total_seconds"] = round(time.time() - wall0, 2)
    with open(os.path.join(args.out, "train-log.json"), "w") as f:
        json.dump(finite(log), f, indent=1, allow_nan=False, default=str)
    print(f"done in {log['total_seconds']:.0f}s -> {args.out}", flush=True)


if __name__ == "__main__":
    main()
