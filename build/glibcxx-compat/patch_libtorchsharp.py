#!/usr/bin/env python3
"""Make TorchSharp's libLibTorchSharp.so load on systems whose libstdc++ lacks GLIBCXX_3.4.32 (e.g. Debian 12).

The library references exactly one symbol of that version, std::ios_base_library_init(). We:
  1. build a tiny shim library that defines the symbol and add it as a NEEDED entry (patchelf),
  2. clear the symbol's version binding in .gnu.version (index 1 = global, unversioned),
  3. mark the GLIBCXX_3.4.32 requirement VER_FLG_WEAK in .gnu.version_r, so the loader no longer insists on it.
Idempotent; does nothing when the system libstdc++ already provides GLIBCXX_3.4.32.
Usage: patch_libtorchsharp.py NATIVE_DIR [NATIVE_DIR ...]
"""
import os, shutil, struct, subprocess, sys, tempfile

VERSION = b"GLIBCXX_3.4.32"
SYMBOL = b"_ZSt21ios_base_library_initv"
SHIM = "libdsd_glibcxx_compat.so"
VER_FLG_WEAK = 0x2
HERE = os.path.dirname(os.path.abspath(__file__))


def system_libstdcxx_has_version():
    try:
        path = subprocess.run(["gcc", "-print-file-name=libstdc++.so.6"], capture_output=True, text=True).stdout.strip()
    except FileNotFoundError:
        path = ""
    candidates = [path, "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6"]
    for c in candidates:
        if c and os.path.isfile(c):
            with open(c, "rb") as f:
                return VERSION in f.read()
    return True  # no libstdc++ found where we look: do not touch anything


def sections(data):
    (e_shoff,) = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    secs = []
    for i in range(e_shnum):
        o = e_shoff + i * e_shentsize
        name, typ, flags, addr, off, size, link, info, align, entsize = struct.unpack_from("<IIQQQQIIQQ", data, o)
        secs.append(dict(name=name, type=typ, off=off, size=size, link=link, info=info, entsize=entsize))
    shstr = secs[e_shstrndx]
    for s in secs:
        end = data.index(b"\0", shstr["off"] + s["name"])
        s["sname"] = bytes(data[shstr["off"] + s["name"]:end])
    return {s["sname"]: s for s in secs}


def cstr(data, off):
    return bytes(data[off:data.index(b"\0", off)])


def patch_versions(data):
    """Returns True when something changed."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("not a little-endian ELF64 file")
    s = sections(data)
    dynsym, dynstr, versym, verneed = s[b".dynsym"], s[b".dynstr"], s[b".gnu.version"], s[b".gnu.version_r"]
    changed = False
    # Find the version index of GLIBCXX_3.4.32 and make its requirement weak.
    index = None
    off = verneed["off"]
    while True:
        vn_version, vn_cnt, vn_file, vn_aux, vn_next = struct.unpack_from("<HHIII", data, off)
        aoff = off + vn_aux
        for _ in range(vn_cnt):
            vna_hash, vna_flags, vna_other, vna_name, vna_next = struct.unpack_from("<IHHII", data, aoff)
            if cstr(data, dynstr["off"] + vna_name) == VERSION:
                index = vna_other
                if not vna_flags & VER_FLG_WEAK:
                    struct.pack_into("<H", data, aoff + 4, vna_flags | VER_FLG_WEAK)
                    changed = True
            if vna_next == 0:
                break
            aoff += vna_next
        if vn_next == 0:
            break
        off += vn_next
    # Unbind every dynamic symbol still bound to that version (only ios_base_library_init in practice).
    count = dynsym["size"] // dynsym["entsize"]
    for i in range(count):
        so = dynsym["off"] + i * dynsym["entsize"]
        (st_name,) = struct.unpack_from("<I", data, so)
        vo = versym["off"] + 2 * i
        (ver,) = struct.unpack_from("<H", data, vo)
        if index is not None and (ver & 0x7FFF) == index:
            if cstr(data, dynstr["off"] + st_name) != SYMBOL:
                raise SystemExit("unexpected symbol bound to %s: %r" % (VERSION.decode(), cstr(data, dynstr["off"] + st_name)))
            struct.pack_into("<H", data, vo, 1)
            changed = True
    return changed


def patch_dir(native_dir):
    lib = os.path.join(native_dir, "libLibTorchSharp.so")
    if not os.path.isfile(lib):
        return
    shim = os.path.join(native_dir, SHIM)
    if not os.path.isfile(shim):
        tmp = shim + ".tmp"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O2", "-o", tmp, os.path.join(HERE, "ios_base_library_init.c")], check=True)
        os.replace(tmp, shim)
    needed = subprocess.run(["patchelf", "--print-needed", lib], capture_output=True, text=True, check=True).stdout.split()
    with open(lib, "rb") as f:
        data = bytearray(f.read())
    has_shim = SHIM in needed
    if has_shim and not patch_versions(bytearray(data)):
        return  # already patched
    # Work on a copy and rename, so an interrupted build never leaves a half-written library.
    fd, tmp = tempfile.mkstemp(dir=native_dir, prefix=".libLibTorchSharp.", suffix=".so")
    os.close(fd)
    shutil.copyfile(lib, tmp)
    if not has_shim:
        subprocess.run(["patchelf", "--add-needed", SHIM, tmp], check=True)
    with open(tmp, "rb") as f:
        data = bytearray(f.read())
    patch_versions(data)
    with open(tmp, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, lib)
    print("glibcxx-compat: patched %s" % lib)


def main(argv):
    if sys.platform != "linux" or system_libstdcxx_has_version():
        return 0
    if shutil.which("patchelf") is None:
        print("glibcxx-compat: error: 'patchelf' is required (apt-get install patchelf) because this system's libstdc++ "
              "lacks GLIBCXX_3.4.32 needed by TorchSharp's native library", file=sys.stderr)
        return 1
    for d in argv[1:]:
        patch_dir(d)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
