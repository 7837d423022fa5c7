#!/usr/bin/python3
"""Generates the small checkpoint fixtures for tests/Dsd.Tests/Weights (run with Debian's python3-torch 1.13).

tiny_legacy.pth / tiny_zip.pth: the same state dict saved in torch.save's legacy and zip formats. It includes a
non-contiguous view with a storage offset that shares its storage with another tensor, plus float64, float16 and
int64 tensors, to exercise strides, offsets and dtypes. tiny_expected.safetensors holds the same values,
contiguous, written by the hand-rolled writer below. vgg_conv1_legacy.pth holds a VGG19 conv1_1 with real
shapes plus a classifier tensor (which conversion must drop) for the fetch/import tests. wrapped_zip.pth is a
training checkpoint ({'epoch', 'lr', 'flags', 'state_dict': {...}}) holding an nn.Parameter, to exercise unwrapping,
_rebuild_parameter and non-tensor opcodes (floats, bools, lists, None).
"""
import collections
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.int64: "I64"}


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        blob = t.numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    js = json.dumps(header).encode()
    js += b" " * ((8 - len(js) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(blobs))


def tiny_state_dict():
    g = torch.Generator().manual_seed(1234)
    sd = collections.OrderedDict()
    sd["features.0.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["features.0.bias"] = torch.randn(4, generator=g)
    sd["features.2.weight"] = torch.randn(4, 4, 3, 3, generator=g)
    sd["features.2.bias"] = torch.randn(4, generator=g)
    base = torch.arange(30, dtype=torch.float32).reshape(5, 6) / 7
    sd["extra.base"] = base
    sd["extra.view"] = base[1:, ::2].t()  # offset 6, strides (2, 6): shares base's storage
    sd["extra.f64"] = torch.randn(3, 2, generator=g, dtype=torch.float64)
    sd["extra.f16"] = torch.randn(5, generator=g).half()
    sd["extra.i64"] = torch.tensor([-3, 0, 2**40])
    return sd


def main():
    sd = tiny_state_dict()
    assert not sd["extra.view"].is_contiguous() and sd["extra.view"].storage_offset() == 6
    torch.save(sd, os.path.join(HERE, "tiny_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(HERE, "tiny_zip.pth"))
    save_safetensors(os.path.join(HERE, "tiny_expected.safetensors"), sd)

    g = torch.Generator().manual_seed(19)
    vgg = collections.OrderedDict()
    vgg["features.0.weight"] = torch.randn(64, 3, 3, 3, generator=g) * 0.1
    vgg["features.0.bias"] = torch.randn(64, generator=g)
    vgg["classifier.6.bias"] = torch.randn(10, generator=g)
    torch.save(vgg, os.path.join(HERE, "vgg_conv1_legacy.pth"), _use_new_zipfile_serialization=False)
    save_safetensors(os.path.join(HERE, "vgg_conv1_expected.safetensors"), {k: v for k, v in vgg.items() if k.startswith("features.")})

    wrapped = {"epoch": 3, "lr": 0.125, "flags": [True, False, None], "name": "vgg",
               "state_dict": collections.OrderedDict([("features.0.bias", torch.nn.Parameter(torch.arange(4.0))),
                                                      ("features.0.weight", sd["features.0.weight"])])}
    torch.save(wrapped, os.path.join(HERE, "wrapped_zip.pth"))


if __name__ == "__main__":
    main()
