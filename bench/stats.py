#!/usr/bin/env python3
"""Timing and statistics helper for probe-vs-curl.sh.

  stats.py time --runs N [--expect-rc RC] [--expect-in TEXT] -- CMD ARGS [::: CMD ARGS ...]
      Runs the ':::'-separated commands one after another, RUNS times; each
      sequence is one sample. Prints the samples (seconds), one per line.
      Any unexpected exit status (or TEXT missing from a command's stdout)
      stops everything with exit 1: a failed run invalidates the benchmark.
  stats.py summary FILE
      Prints "median min max" of the samples in FILE, in milliseconds.

Timing uses time.perf_counter() around subprocess.run, so fork/exec cost is
included -- on purpose: a user running three curls pays it three times.
"""
import statistics
import subprocess
import sys
import time


def time_cmd(argv):
    runs, expect_rc, expect_in = 1, 0, None
    while argv and argv[0] != "--":
        opt, val, argv = argv[0], argv[1], argv[2:]
        if opt == "--runs":
            runs = int(val)
        elif opt == "--expect-rc":
            expect_rc = int(val)
        elif opt == "--expect-in":
            expect_in = val
        else:
            sys.exit(f"stats.py: unknown option {opt}")
    cmds, cur = [], []
    for a in argv[1:]:
        if a == ":::":
            cmds.append(cur)
            cur = []
        else:
            cur.append(a)
    cmds.append(cur)
    # Only capture stdout when we must inspect it; otherwise discard it like >/dev/null.
    out = subprocess.PIPE if expect_in else subprocess.DEVNULL
    for i in range(runs):
        t0 = time.perf_counter()
        results = [subprocess.run(c, stdout=out) for c in cmds]
        dt = time.perf_counter() - t0
        for c, r in zip(cmds, results):
            if r.returncode != expect_rc:
                sys.exit(f"BENCHMARK INVALID: run {i + 1}: `{' '.join(c)}` exited "
                         f"{r.returncode}, expected {expect_rc}")
            if expect_in and expect_in.encode() not in r.stdout:
                sys.exit(f"BENCHMARK INVALID: run {i + 1}: `{' '.join(c)}` output "
                         f"lacks {expect_in!r}")
        print(f"{dt:.6f}", flush=True)


def summary(path):
    xs = [float(l) * 1000 for l in open(path) if l.strip()]
    print(f"{statistics.median(xs):.1f} {min(xs):.1f} {max(xs):.1f}")


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in ("time", "summary"):
        sys.exit(__doc__)
    if sys.argv[1] == "time":
        time_cmd(sys.argv[2:])
    else:
        summary(sys.argv[2])
