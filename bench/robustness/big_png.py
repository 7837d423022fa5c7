#!/usr/bin/env python3
"""Writes a valid, all-black RGB PNG of SIDE×SIDE pixels, streaming (a 23170² file is ~1.5 MB). Usage: big_png.py OUT SIDE"""
import struct, sys, zlib

out, side = sys.argv[1], int(sys.argv[2])
def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)
with open(out, "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)))
    z = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * side)  # filter byte + RGB
    buf = []
    for y in range(side):
        buf.append(z.compress(row))
        if len(buf) > 256:
            data = b"".join(buf); buf = []
            if data: f.write(chunk(b"IDAT", data))
    data = b"".join(buf) + z.flush()
    f.write(chunk(b"IDAT", data) + chunk(b"IEND", b""))
