"""Drives the benchmark (called by bench/run): for every item it starts our process (Dsd.Bench) and the PyTorch twin
(bench/pytorch/dsd_bench.py), each fresh (peak memory per item), lets both warm up, then alternates their timed runs
(ours, PyTorch, ours, …) so that load from other users of a shared machine hits both alike. Prints a table and
writes bench/results.json (and bench/results.md). Standard library only."""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OURS = [os.path.join(HERE, "Dsd.Bench/bin/Release/net10.0/Dsd.Bench")]
TORCH_PY = "/usr/bin/python3"
THEIRS = [TORCH_PY, os.path.join(HERE, "pytorch/dsd_bench.py")]

# item, description, compare values?, extra args
ITEMS = [
    ("score_512x384_single", "FR dsd, one 512×384 pair (load + both fingerprints)", True),
    ("score_2k_single", "FR dsd, one Urban100 HR pair (1024×644) vs bicubic ↓4↑4", True),
    ("fingerprint_512x384", "fingerprint α=2,4, four layers, 512×384", True),
    ("train_step_xsrresnet", "xSRResNet train step, batch 16, 24→96, L1 + DSD loss", False),
    ("infer_x4_256", "xSRResNet ×4 inference, 256×256 → 1024×1024", False),
    # Longest last (results.json is written after every item).
    ("score_512x384_folder50", "FR dsd, folder of 50 512×384 pairs (5 refs × 10)", True),
    ("score_2k_folder", "FR dsd, folder of Urban100 HR pairs (5 refs, cycled)", True),
]


class Proc:
    def __init__(self, cmd):
        self.cmd = cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._expect_ready()

    def _line(self):
        line = self.p.stdout.readline()
        if not line:
            self.p.wait()
            raise RuntimeError(f"{' '.join(self.cmd)} exited with {self.p.returncode}")
        return json.loads(line)

    def _expect_ready(self):
        if not self._line().get("ready"):
            raise RuntimeError("no ready line")

    def run(self):
        self.p.stdin.write("run\n")
        self.p.stdin.flush()
        return self._line()["ms"]

    def end(self):
        self.p.stdin.write("end\n")
        self.p.stdin.flush()
        result = self._line()
        self.p.wait()
        return result


def item_args(o, name):
    a = ["item", name, "--threads", str(o.threads), "--warmup", "1", "--interactive",
         "--weights", o.weights, "--data", o.data, "--cache", o.cache]
    if name == "score_2k_folder":
        a += ["--pairs", str(o.pairs_2k)]
    elif name.endswith("folder50"):
        a += ["--pairs", str(o.pairs)]
    return a


def measure(o, name, with_torch):
    ours = Proc(OURS + item_args(o, name) + ["--precision", o.precision])
    theirs = None
    try:
        if with_torch:
            # Started after ours is warm and idle, so the two warm-ups do not overlap.
            theirs = Proc(THEIRS + item_args(o, name))
        runs = o.runs
        for _ in range(runs):
            ours.run()
            if theirs:
                theirs.run()
        r_ours = ours.end()
        r_theirs = theirs.end() if theirs else None
    finally:
        for p in (ours, theirs):
            if p and p.p.poll() is None:
                p.p.kill()
    return r_ours, r_theirs


def rel_diff(a, b):
    if not a or not b or len(a) != len(b):
        return None
    return max(abs(x - y) / max(abs(y), 1e-30) for x, y in zip(a, b))


def main():
    ap = argparse.ArgumentParser(description="DSD performance benchmark: ours (TorchSharp) vs an independent PyTorch twin")
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads for both (default 2)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per item and implementation (≥ 5; default 5)")
    ap.add_argument("--pairs", type=int, default=50, help="pairs in the 512×384 folder item (default 50)")
    ap.add_argument("--pairs-2k", type=int, default=10, help="pairs in the 2K folder item (default 10; --full: 50)")
    ap.add_argument("--full", action="store_true", help="50 pairs in the 2K folder item too (slow: minutes per run)")
    ap.add_argument("--items", default="", help="comma-separated subset of items")
    ap.add_argument("--no-pytorch", action="store_true", help="measure ours only")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="ours: float32 (default) or bfloat16 (experimental)")
    ap.add_argument("--weights", default="/work/shared/weights/vgg19-torchvision/vgg19_features_0-10.safetensors")
    ap.add_argument("--data", default="/work/shared/data")
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--note", default="", help="free text for the table header (e.g. 'machine shared, noisy')")
    o = ap.parse_args()
    if o.full:
        o.pairs_2k = 50
    if o.runs < 5:
        print(f"note: --runs {o.runs} < 5: not a reportable measurement", file=sys.stderr)
    # The 2K folder (every pair a new reference at 2K) takes minutes per run: only with --full or --items.
    chosen = [i for i in ITEMS if (i[0] in o.items.split(",")) if o.items] if o.items else \
        [i for i in ITEMS if o.full or i[0] != "score_2k_folder"]
    with_torch = not o.no_pytorch

    gemm_runs, o.runs = o.runs, max(o.runs, 15)
    gemm, gemm_t = measure(o, "gemm_2048", with_torch)
    o.runs = gemm_runs
    gemm_gflops = gemm["gflop"] / (gemm["median_ms"] / 1000)
    print(f"GEMM 2048² float32, {o.threads} threads: ours {gemm['median_ms']:.1f} ms = {gemm_gflops:.0f} GFLOP/s"
          + (f"; PyTorch {gemm_t['median_ms']:.1f} ms = {gemm['gflop'] / gemm_t['median_ms'] * 1000:.0f} GFLOP/s" if gemm_t else ""),
          file=sys.stderr)

    rows = []
    for name, desc, compare in chosen:
        print(f"measuring {name} …", file=sys.stderr, flush=True)
        ours, theirs = measure(o, name, with_torch)
        gflops = ours["gflop"] / (ours["median_ms"] / 1000)
        row = {
            "name": name,
            "description": desc,
            "ours_ms": round(ours["median_ms"], 1),
            "pytorch_ms": round(theirs["median_ms"], 1) if theirs else None,
            "ratio": round(ours["median_ms"] / theirs["median_ms"], 3) if theirs else None,
            "ours_min_ms": round(ours["min_ms"], 1),
            "pytorch_min_ms": round(theirs["min_ms"], 1) if theirs else None,
            "ratio_of_min": round(ours["min_ms"] / theirs["min_ms"], 3) if theirs else None,
            "ours_runs_ms": [round(t, 1) for t in ours["times_ms"]],
            "pytorch_runs_ms": [round(t, 1) for t in theirs["times_ms"]] if theirs else None,
            "peak_mb_ours": round(ours["peak_mb"], 1),
            "peak_mb_pytorch": round(theirs["peak_mb"], 1) if theirs else None,
            "gflop": round(ours["gflop"], 2),
            "gflops": round(gflops, 1),
            "fraction_of_gemm": round(gflops / gemm_gflops, 3),
            "max_rel_diff": rel_diff(ours["values"], theirs["values"]) if (theirs and compare) else None,
        }
        rows.append(row)
        with open(o.out, "w") as f:  # after every item, so an interrupted run keeps what it measured
            json.dump(rows, f, indent=1)
        print(f"  ours {row['ours_ms']} ms, pytorch {row['pytorch_ms']} ms, ratio {row['ratio']}, "
              f"peak {row['peak_mb_ours']}/{row['peak_mb_pytorch']} MB, max rel diff {row['max_rel_diff']}", file=sys.stderr, flush=True)

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.node()} · {cpu_name()} · {os.cpu_count()} CPUs",
        "threads": o.threads,
        "runs": o.runs,
        "precision": o.precision,
        "gemm_gflops_ours": round(gemm_gflops, 1),
        "gemm_gflops_pytorch": round(gemm["gflop"] / gemm_t["median_ms"] * 1000, 1) if gemm_t else None,
        "pytorch": gemm_t.get("torch") if gemm_t else None,
        "loadavg_at_end": open("/proc/loadavg").read().split()[:3],
        "note": o.note,
    }
    with open(o.out, "w") as f:
        json.dump(rows, f, indent=1)
    with open(os.path.splitext(o.out)[0] + ".meta.json", "w") as f:
        json.dump(meta, f, indent=1)
    table = render(rows, meta)
    with open(os.path.splitext(o.out)[0] + ".md", "w") as f:
        f.write(table)
    print(table)
    bad = [r["name"] for r in rows if r["max_rel_diff"] is not None and r["max_rel_diff"] >= 1e-4]
    if bad:
        print(f"VALUE MISMATCH (max rel diff ≥ 1e-4): {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def fmt(v, spec):
    return "—" if v is None else format(v, spec)


def render(rows, meta):
    lines = [
        f"{meta['date']} · {meta['machine']} · {meta['threads']} threads · {meta['runs']} alternating runs after warm-up · "
        f"precision {meta['precision']} · PyTorch {meta['pytorch']} · load average at end {' '.join(meta['loadavg_at_end'])}"
        + (f" · {meta['note']}" if meta["note"] else ""),
        "",
        f"GEMM 2048² float32 through libtorch (TorchSharp): {meta['gemm_gflops_ours']} GFLOP/s"
        + (f"; Debian PyTorch: {meta['gemm_gflops_pytorch']} GFLOP/s" if meta["gemm_gflops_pytorch"] else ""),
        "",
        "| item | ours ms (median / min) | PyTorch ms (median / min) | ratio (median / min) | peak MB ours / PyTorch | GFLOP | GFLOP/s | of GEMM | max rel diff |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {fmt(r['ours_ms'], '.0f')} / {fmt(r['ours_min_ms'], '.0f')} | {fmt(r['pytorch_ms'], '.0f')} / {fmt(r['pytorch_min_ms'], '.0f')} | "
            f"{fmt(r['ratio'], '.2f')} / {fmt(r['ratio_of_min'], '.2f')} | {fmt(r['peak_mb_ours'], '.0f')} / {fmt(r['peak_mb_pytorch'], '.0f')} | "
            f"{r['gflop']:.1f} | {r['gflops']:.0f} | {r['fraction_of_gemm']:.0%} | {fmt(r['max_rel_diff'], '.1e')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
