#!/usr/bin/env python3
"""Writes the hostile inputs of issue 11's table into a folder (standard library only). Usage: make_cases.py DIR SHARED"""
import json, os, shutil, struct, sys, zlib

out, shared = sys.argv[1], sys.argv[2]
calib = os.path.join(shared, "data/iqa-calibration/ResultsCalibra")
os.makedirs(out, exist_ok=True)

def folder(name, bad=None):
    """3 good pairs (I04, I06, I08 of the TID2013 calibration set) plus one bad distorted file."""
    d = os.path.join(out, name)
    for sub in ("ref", "dist"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for n in ("I04", "I06", "I08"):
        shutil.copy(os.path.join(calib, "ref_dir", n + ".bmp"), os.path.join(d, "ref", n + ".bmp"))
        shutil.copy(os.path.join(calib, "dist_dir", n + ".bmp"), os.path.join(d, "dist", n + ".bmp"))
    shutil.copy(os.path.join(calib, "ref_dir", "I03.bmp"), os.path.join(d, "ref", "I03.bmp"))
    return os.path.join(d, "dist")

bmp = open(os.path.join(calib, "dist_dir", "I03.bmp"), "rb").read()
def put(name, data):
    open(os.path.join(folder(name), "I03.bmp" if not name.endswith("png") else "I03.png"), "wb").write(data)

b = bytearray(bmp); b[10:14] = struct.pack("<I", 0x7fffffff); put("bmp-offset-7fffffff", b)
b = bytearray(bmp); b[18:26] = struct.pack("<ii", 46341, 46341); put("bmp-46341sq-header", b)
b = bytearray(bmp); b[0x40] ^= 0x10; b[0x22] ^= 0x80; put("bmp-bitflips", b)

def png_chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)

def png_header_only(w, h):
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)) + png_chunk(b"IEND", b"")

d = folder("png-60000sq-header"); open(os.path.join(d, "I03.png"), "wb").write(png_header_only(60000, 60000))

# Truncated progressive JPEG (60%), scored against the whole file. ../shared holds no progressive JPEG: take
# $DSD_PROGRESSIVE_JPEG or the one Debian's nodejs documentation installs, else a (baseline) BSDS500 image.
jpg = next((p for p in (os.environ.get("DSD_PROGRESSIVE_JPEG"), "/usr/share/doc/nodejs/full-white-stripe.jpg") if p and os.path.exists(p)),
           os.path.join(shared, "data/natural/bsds500/test/384022.jpg"))
d = os.path.join(out, "jpeg-truncated-progressive"); os.makedirs(d, exist_ok=True)
shutil.copy(jpg, os.path.join(d, "whole.jpg"))
data = open(jpg, "rb").read(); open(os.path.join(d, "truncated.jpg"), "wb").write(data[: len(data) * 6 // 10])

d = folder("unreadable-file"); shutil.copy(os.path.join(calib, "dist_dir", "I03.bmp"), os.path.join(d, "I03.bmp")); os.chmod(os.path.join(d, "I03.bmp"), 0)
d = folder("symlink-loop"); os.symlink("I03.bmp", os.path.join(d, "I03.bmp"))
d = folder("directory-named-bmp"); os.makedirs(os.path.join(d, "I03.bmp"))

# Restore inputs (the restore cases need a generator checkpoint and run in the test suite instead).
d = os.path.join(out, "restore-in"); os.makedirs(d, exist_ok=True)
open(os.path.join(d, "a-empty.png"), "wb").write(b"")
for n in ("I04", "I06"):
    shutil.copy(os.path.join(calib, "dist_dir", n + ".bmp"), os.path.join(d, n + ".bmp"))
d2 = os.path.join(out, "restore-in-png"); os.makedirs(d2, exist_ok=True)
os.symlink(d2, os.path.join(out, "restore-out-link"))

# Weights.
weights = os.path.join(shared, "weights/vgg19-torchvision/vgg19_features_0-10.safetensors")
raw = open(weights, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); body = raw[8 + n:]
def st(name, hdr, data):
    j = json.dumps(hdr).encode(); j += b" " * (-len(j) % 8)
    open(os.path.join(out, name), "wb").write(struct.pack("<Q", len(j)) + j + data)
h = json.loads(json.dumps(header))
keys = [k for k in h if k != "__metadata__"]
# overlapping: conv1_2's weight read from conv1_1's bytes region start (same length region elsewhere)
w0 = [k for k in keys if k.endswith("0.weight")][0]; w2 = [k for k in keys if k.endswith("2.weight")][0]
a, b_ = h[w2]["data_offsets"]; h[w2]["data_offsets"] = [a - 4 * 64, b_ - 4 * 64]
st("weights-overlapping.safetensors", h, body)
h = json.loads(json.dumps(header)); a, _ = h[w0]["data_offsets"]
nanbody = bytearray(body); nanbody[a:a + 4] = struct.pack("<f", float("nan")); st("weights-nan.safetensors", h, bytes(nanbody))
h = json.loads(json.dumps(header)); h[w0]["shape"] = [2**63 - 1, 1, 1, 1]; st("weights-shape-2e63.safetensors", h, body)
# self-referencing legacy pickle: magic, protocol, sys_info, then d = {}; d['state_dict'] = d
magic = b"\x80\x02\x8a\x0a" + (119547037146038801333356).to_bytes(10, "little") + b"."
proto = b"\x80\x02M\xe9\x03."
sysinfo = b"\x80\x02}q\x00(X\x0d\x00\x00\x00little_endianq\x01\x88u."
selfref = b"\x80\x02}q\x00X\x0a\x00\x00\x00state_dictq\x01h\x00s."
open(os.path.join(out, "weights-selfref.pth"), "wb").write(magic + proto + sysinfo + selfref + b"\x80\x02]q\x00.")
# legacy tensor with a negative stride, and one whose storage claims 2^31 floats (8 GB) in a tiny file
def legacy(size, stride, count):
    g = lambda m, n: b"c" + m + b"\n" + n + b"\n"
    pk = b"\x80\x02}q\x00X\x0f\x00\x00\x00features.0.biasq\x01" + g(b"torch._utils", b"_rebuild_tensor_v2") + b"("
    pk += b"(X\x07\x00\x00\x00storageq\x02" + g(b"torch", b"FloatStorage") + b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpu" + b"\x8a\x08" + struct.pack("<q", count) + b"tQ"
    pk += b"K\x00" + b"\x8a\x08" + struct.pack("<q", size) + b"\x85" + b"\x8a\x08" + struct.pack("<q", stride) + b"\x85" + b"\x89}tRs."
    keys = b"\x80\x02]q\x00X\x01\x00\x00\x000a."
    return magic + proto + sysinfo + pk + keys + struct.pack("<q", count) + b"\0" * 256
open(os.path.join(out, "weights-negative-stride.pth"), "wb").write(legacy(64, -1, 64))
open(os.path.join(out, "weights-2gb-storage.pth"), "wb").write(legacy(64, 1, 2**31))
print("cases in", out)
