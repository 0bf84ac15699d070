#!/usr/bin/env python3
"""Benchmark of `ftpdoctor serve`, run by bench/serve.sh. Loopback only. Prints figures.

  serve.py --bin FTPDOCTOR [--blackbox BLACKBOX_EXPORTER] [--runs N] [--concurrent N]

(a) The exporter's overhead: a scrape of the healthy lab against `ftpdoctor probe` run as
    a process (median wall times), and against the probe's own time as the scrape reports
    it (probe_duration_seconds): what the HTTP layer and the registry add.
(b) N concurrent scrapes of mixed scenarios: how many answered 200, how many took longer
    than their scrape timeout, and the exporter's peak RSS (VmHWM).
(c) Side by side on the same lab server: blackbox_exporter's tcp module that reads the
    220 banner, and ftpdoctor's full four-mode scrape; the ratio of the medians.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

SCRAPE_TIMEOUT = 5.0


def start_first_line(args, want):
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith(want):
        proc.kill()
        sys.exit(f"{args[:3]} printed {line!r}")
    return proc, line


def scrape(url, timeout=SCRAPE_TIMEOUT):
    req = urllib.request.Request(url, headers={"X-Prometheus-Scrape-Timeout-Seconds": str(timeout)})
    started = time.perf_counter()
    with urllib.request.urlopen(req, timeout=timeout + 5) as r:
        body = r.read().decode()
        status = r.status
    return status, time.perf_counter() - started, body


def value(body, name):
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def ms(samples):
    return statistics.median(samples) * 1000, min(samples) * 1000, max(samples) * 1000


def show(label, samples):
    med, lo, hi = ms(samples)
    print(f"  {label:<44} median {med:7.2f} ms  (min {lo:.2f}, max {hi:.2f}, n={len(samples)})")
    return med


def peak_rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", required=True)
    p.add_argument("--blackbox")
    p.add_argument("--runs", type=int, default=51)
    p.add_argument("--concurrent", type=int, default=200)
    a = p.parse_args()
    procs = []
    try:
        labs = {}
        for scenario in [
            "healthy",
            "no-epsv",
            "private-pasv",
            "blocked-data",
            "refused-data",
            "port-rejected",
        ]:
            proc, url = start_first_line(
                [a.bin, "lab", "--scenario", scenario, "--data-timeout", "2s"], "ftp://"
            )
            procs.append(proc)
            labs[scenario] = url
        work = Path(tempfile.mkdtemp(prefix="ftpdoctor-bench-serve-"))
        (work / "modules.yml").write_text(
            "modules:\n  lab:\n    timeout: 1s\n    deadline: 4s\n    tls: off\n"
            '    targets: ["127.0.0.0/8:*"]\n'
        )
        serve, base = start_first_line(
            [
                a.bin,
                "serve",
                "--config",
                str(work / "modules.yml"),
                "--max-probes",
                str(a.concurrent + 56),
            ],
            "http://",
        )
        procs.append(serve)
        healthy = labs["healthy"]
        probe_url = f"{base}probe?" + urllib.parse.urlencode({"target": healthy, "module": "lab"})

        print("== (a) one scrape of the healthy lab (4 modes) vs `ftpdoctor probe` as a process")
        scrape(probe_url)  # warm-up
        scrapes, inside = [], []
        for _ in range(a.runs):
            status, took, body = scrape(probe_url)
            assert status == 200 and value(body, "probe_success") == 1.0, body
            scrapes.append(took)
            inside.append(value(body, "probe_duration_seconds"))
        process = []
        for _ in range(a.runs):
            started = time.perf_counter()
            subprocess.run(
                [a.bin, "probe", healthy, "--tls", "off", "--timeout", "1s", "--format", "json"],
                stdout=subprocess.DEVNULL,
                check=True,
            )
            process.append(time.perf_counter() - started)
        s = show("scrape /probe (HTTP round trip)", scrapes)
        i = show("probe_duration_seconds inside that scrape", inside)
        pr = show("ftpdoctor probe as a process (fork+exec)", process)
        print(f"  exporter overhead (scrape - probe inside it)   median {s - i:7.2f} ms")
        print(
            f"  scrape vs process                               {s - pr:+7.2f} ms ({s / pr:.2f}x)"
        )

        print(
            f"== (b) {a.concurrent} concurrent scrapes of mixed scenarios"
            f" (scrape timeout {SCRAPE_TIMEOUT:.0f} s)"
        )
        names = list(labs)
        results = [None] * a.concurrent

        def one(i):
            target = labs[names[i % len(names)]]
            url = f"{base}probe?" + urllib.parse.urlencode({"target": target, "module": "lab"})
            try:
                results[i] = scrape(url)[:2]
            except Exception as e:  # counted as lost
                results[i] = (str(e), None)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(a.concurrent)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        ok = [r for r in results if r and r[0] == 200]
        late = [r for r in ok if r[1] > SCRAPE_TIMEOUT]
        took = [r[1] for r in ok]
        print(
            f"  answered 200: {len(ok)} of {a.concurrent}; lost: {a.concurrent - len(ok)};"
            f" past the timeout: {len(late)}"
        )
        if took:
            show("scrape time", took)
        print(
            f"  all done in {wall:.2f} s;"
            f" exporter peak RSS (VmHWM) {peak_rss_mib(serve.pid):.1f} MiB"
        )

        if a.blackbox:
            print(
                "== (c) same lab server: blackbox_exporter tcp banner vs ftpdoctor's 4-mode scrape"
            )
            host_port = healthy.removeprefix("ftp://").rstrip("/")
            (work / "blackbox.yml").write_text(
                "modules:\n  ftp_banner:\n    prober: tcp\n    timeout: 5s\n    tcp:\n"
                '      query_response:\n        - expect: "^220"\n'
            )
            bb_port = 19000 + (serve.pid % 1000)
            bb = subprocess.Popen(
                [
                    a.blackbox,
                    f"--config.file={work / 'blackbox.yml'}",
                    f"--web.listen-address=127.0.0.1:{bb_port}",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            procs.append(bb)
            bb_url = f"http://127.0.0.1:{bb_port}/probe?" + urllib.parse.urlencode(
                {"target": host_port, "module": "ftp_banner"}
            )
            for _ in range(50):
                try:
                    scrape(bb_url)
                    break
                except Exception:
                    time.sleep(0.1)
            bbs = []
            for _ in range(a.runs):
                status, took, body = scrape(bb_url)
                assert status == 200 and value(body, "probe_success") == 1.0, body
                bbs.append(took)
            b = show("blackbox_exporter tcp, banner only", bbs)
            print(f"  ftpdoctor four-mode scrape / blackbox banner scrape = {s / b:.2f}x")
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
