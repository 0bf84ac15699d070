#!/usr/bin/env python3
"""`ftpdoctor serve` checked by real Prometheus parts, on loopback only.

1. `promtool check metrics` over a scrape of every lab scenario and every fault of the
   fault lab, and over the exporter's own /metrics.
2. A real Prometheus with blackbox_exporter's multi-target relabelling scrapes serve
   for several lab scenarios; its HTTP API must show probe_success 1 for healthy and 0
   for blocked-data, the finding series, `up` 1 for every scrape (none timed out).
3. The example alert rules (docs/prometheus/): `promtool check rules` and
   `promtool test rules`.

Run by .ci/stage-prometheus.sh with the paths of prometheus and promtool. Prints one
line per check and `prometheus: N passed, M failed`; exits 1 when a check failed.
"""

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Seconds a scrape may take: the module deadlines below are shorter.
SCRAPE_TIMEOUT = 10
MODULES = """\
modules:
  lab:
    timeout: 1s
    deadline: 4s
    tls: off
    targets: ["127.0.0.0/8:*"]
  tls:
    timeout: 1s
    deadline: 4s
    insecure: true
    targets: ["127.0.0.0/8:*"]
  range:
    timeout: 1s
    deadline: 6s
    tls: off
    sample_ports: 10
    targets: ["127.0.0.0/8:*"]
  fault:
    modes: [epsv, pasv]
    timeout: 1s
    deadline: 3s
    tls: off
    targets: ["127.0.0.0/8:*"]
"""


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_first_line(args):
    """Starts a process that prints its URL first; returns (process, url)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = proc.stdout.readline().strip()
    if not url:
        proc.kill()
        raise RuntimeError(f"{args} printed nothing")
    return proc, url


def listed(bin_path):
    text = subprocess.run([bin_path, "lab", "--list"], capture_output=True, text=True, check=True).stdout
    scenarios_part, faults_part = text.split("Faults:", 1)
    scenarios = [line.split()[0] for line in scenarios_part.splitlines() if line.strip()]
    faults = [line.split()[0] for line in faults_part.splitlines()[1:] if line.strip()]
    return scenarios, faults


def module_for(scenario):
    if scenario.startswith("tls") or scenario == "alg-rewrite":
        return "tls"
    if scenario == "partial-range":
        return "range"
    return "lab"


def get(url, headers=None, timeout=SCRAPE_TIMEOUT + 5):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode("utf-8", "replace")


def promtool_metrics(promtool, text):
    out = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True)
    return out.returncode == 0, (out.stdout + out.stderr).strip()


def scrape_and_lint(tally, promtool, serve, name, url, module):
    query = urllib.parse.urlencode({"target": url, "module": module})
    headers = {"X-Prometheus-Scrape-Timeout-Seconds": str(SCRAPE_TIMEOUT)}
    try:
        status, ctype, body = get(f"{serve}probe?{query}", headers)
    except Exception as e:  # one line per failed check, the run goes on
        tally.check(f"scrape {name}", False, str(e))
        return
    ok, said = promtool_metrics(promtool, body)
    right = status == 200 and ctype == "text/plain; version=0.0.4; charset=utf-8" and "probe_success" in body
    tally.check(f"promtool check metrics: {name}", ok and right, f"status {status} {ctype}: {said}")


def prometheus_config(serve_hostport, targets):
    static = json.dumps(targets)
    return f"""\
global:
  scrape_interval: 3s
  scrape_timeout: 2500ms
scrape_configs:
  - job_name: ftpdoctor
    metrics_path: /probe
    params:
      module: [lab]
    static_configs:
      - targets: {static}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {serve_hostport}
  - job_name: ftpdoctor-exporter
    static_configs:
      - targets: ["{serve_hostport}"]
"""


def query(prom, expr):
    q = urllib.parse.urlencode({"query": expr})
    _, _, body = get(f"{prom}/api/v1/query?{q}", timeout=5)
    data = json.loads(body)
    return {r["metric"].get("instance", ""): float(r["value"][1]) for r in data["data"]["result"]}


def real_prometheus(tally, prometheus, serve, labs, work):
    hostport = serve.removeprefix("http://").rstrip("/")
    urls = {name: url for name, url in labs.items() if name in ("healthy", "blocked-data", "no-epsv")}
    config = work / "prometheus.yml"
    config.write_text(prometheus_config(hostport, list(urls.values())))
    port = free_port()
    prom = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={work / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        # Three scrape rounds of every target, then ask.
        deadline = time.monotonic() + 60
        counts = {}
        while time.monotonic() < deadline:
            time.sleep(1)
            try:
                counts = query(prom, 'count_over_time(up{job="ftpdoctor"}[5m])')
            except Exception:
                continue
            if len(counts) == len(urls) and min(counts.values()) >= 3:
                break
        tally.check("prometheus scraped every target three times", len(counts) == len(urls)
                    and min(counts.values(), default=0) >= 3, str(counts))
        success = query(prom, 'probe_success{job="ftpdoctor"}')
        tally.check("probe_success 1 for healthy", success.get(urls["healthy"]) == 1.0, str(success))
        tally.check("probe_success 0 for blocked-data", success.get(urls["blocked-data"]) == 0.0, str(success))
        findings = query(prom, 'probe_ftp_finding{job="ftpdoctor", id="data-connect-timeout", mode="pasv"}')
        tally.check("finding series for blocked-data", findings.get(urls["blocked-data"]) == 1.0, str(findings))
        warn = query(prom, 'probe_ftp_finding{job="ftpdoctor", id="epsv-unsupported"}')
        tally.check("warning finding for no-epsv", warn.get(urls["no-epsv"]) == 1.0, str(warn))
        up = query(prom, 'min_over_time(up{job=~"ftpdoctor.*"}[5m])')
        tally.check("up 1 on every scrape (none timed out)", len(up) == len(urls) + 1
                    and all(v == 1.0 for v in up.values()), str(up))
        slow = query(prom, 'max_over_time(scrape_duration_seconds{job="ftpdoctor"}[5m])')
        tally.check("every scrape answered within scrape_timeout", slow and max(slow.values()) < 2.5, str(slow))
        own = query(prom, 'ftpdoctor_probes_total{job="ftpdoctor-exporter"}')
        tally.check("exporter's own metrics scraped", len(own) > 0, str(own))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def rules(tally, promtool):
    docs = ROOT / "docs" / "prometheus"
    out = subprocess.run([promtool, "check", "rules", "ftpdoctor-alerts.yml"], cwd=docs, capture_output=True, text=True)
    tally.check("promtool check rules docs/prometheus/ftpdoctor-alerts.yml", out.returncode == 0, out.stdout + out.stderr)
    out = subprocess.run([promtool, "test", "rules", "alerts-test.yml"], cwd=docs, capture_output=True, text=True)
    tally.check("promtool test rules docs/prometheus/alerts-test.yml", out.returncode == 0, out.stdout + out.stderr)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--prometheus", required=True)
    parser.add_argument("--promtool", required=True)
    args = parser.parse_args()
    # The rules run from docs/prometheus/: paths given relative to the repository must hold there.
    args.promtool = str(Path(args.promtool).resolve())
    args.prometheus = str(Path(args.prometheus).resolve())
    tally = Tally()
    rules(tally, args.promtool)
    procs = []
    with tempfile.TemporaryDirectory(prefix="ftpdoctor-prometheus-") as tmp:
        work = Path(tmp)
        try:
            scenarios, faults = listed(args.bin)
            labs = {}
            for s in scenarios:
                proc, url = start_first_line([args.bin, "lab", "--scenario", s, "--data-timeout", "1s"])
                procs.append(proc)
                labs[s] = url
            fault_urls = {}
            for f in faults:
                proc, url = start_first_line([args.bin, "lab", "--fault", f])
                procs.append(proc)
                fault_urls[f] = url
            (work / "modules.yml").write_text(MODULES)
            proc, serve = start_first_line([args.bin, "serve", "--config", str(work / "modules.yml"),
                                            "--listen", "127.0.0.1:0", "--max-probes", "64"])
            procs.append(proc)
            jobs = [(f"scenario {s}", url, module_for(s)) for s, url in labs.items()]
            jobs += [(f"fault {f}", url, "fault") for f, url in fault_urls.items()]
            with ThreadPoolExecutor(max_workers=8) as pool:
                for job in jobs:
                    pool.submit(scrape_and_lint, tally, args.promtool, serve, *job)
            _, _, own = get(f"{serve}metrics")
            ok, said = promtool_metrics(args.promtool, own)
            tally.check("promtool check metrics: the exporter's own /metrics", ok, said)
            real_prometheus(tally, args.prometheus, serve, labs, work)
        finally:
            for p in procs:
                p.kill()
                p.wait()
    print(f"prometheus: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
