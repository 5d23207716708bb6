#!/usr/bin/env python3
"""A synthetic archive for scripts/archive-bench.sh: N copies of one run directory under
ROOT/<kernel>/<run>, K kernels in version order, each sample scaled by its kernel's level
(a step at the middle kernel) and by noise, runs of a kernel in boots of five."""
import argparse
import json
import os
import random
import sys


def load(run):
    files = {}
    for name in sorted(os.listdir(run)):
        if name.endswith(".json") and not name.endswith(".kprofile.json"):
            with open(os.path.join(run, name)) as f:
                files[name] = json.load(f)
    if "manifest.json" not in files:
        sys.exit(f"archive-synth: {run}: no manifest.json: not a run directory")
    return files


def noisy(bench, level, noise, rng):
    for case in bench.get("cases", []):
        for m in case.get("metrics", []):
            xs = [None if x is None else x * level * (1 + rng.gauss(0, noise))
                  for x in m.get("samples", [])]
            m["samples"] = xs
            kept = sorted(x for x in xs if x is not None)
            if kept:
                mid = len(kept) // 2
                m["median"] = kept[mid] if len(kept) % 2 else (kept[mid - 1] + kept[mid]) / 2
    return bench


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--from", dest="src", required=True, help="the run directory copied")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--kernels", type=int, default=0, help="default: runs / 20")
    ap.add_argument("--noise", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--host", default="", help="another machine: its CPU model and boots")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    files = load(a.src)
    kernels = a.kernels or max(1, a.runs // 20)
    per = -(-a.runs // kernels)
    for i in range(a.runs):
        k, r = divmod(i, per)
        release = f"6.{k + 1}.0-synth"
        run_id = f"2026{k:04d}-{r:04d}"
        d = os.path.join(a.out, release, run_id)
        os.makedirs(d, exist_ok=True)
        level = 1.0 if k < kernels // 2 else 1.15
        for name, j in files.items():
            j = json.loads(json.dumps(j))
            if name == "manifest.json":
                j["run_id"] = run_id
                j["start_time"] = f"2026-01-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
                j.setdefault("kernel", {})["release"] = release
                j["kernel"]["boot_id"] = f"synth{a.host}-{k}-{r // 5}"
                if a.host:
                    j.setdefault("cpu", {})["model"] = a.host
            else:
                noisy(j, level, a.noise, rng)
            with open(os.path.join(d, name), "w") as f:
                json.dump(j, f, indent=1)


if __name__ == "__main__":
    main()
