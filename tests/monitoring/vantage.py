#!/usr/bin/env python3
"""Two vantage points, one Prometheus: `ftpdoctor serve` in two namespaces of the NAT lab
(tests/harness/nat.py) and a real Prometheus in the router's namespace scraping both.

    outside client 203.0.113.2 (serve) ──┐
                                         ├─ router (Prometheus) ── vsftpd 10.77.0.2
    behind the masquerade 192.168.50.2 ──┘        (pasv_address 203.0.113.1)
    (serve)

The same vsftpd is up from outside (every mode works) and down from behind the masquerade
(vsftpd refuses PORT/EPRT naming 192.168.50.2 when it sees 10.77.0.1), and Prometheus shows
which vantage point saw what through a `vantage` label. Everything lives in namespaces this
script creates; nothing outside them is dialled.

Run by .ci/stage-prometheus.sh as root: --bin, --prometheus, --cache (the interop stage's
server cache). Prints `vantage: N passed, M failed` or `vantage: SKIPPED (why)`.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import servers, state  # noqa: E402
from harness.nat import (  # noqa: E402
    CLIENT_IP,
    NAT_CLIENT_IP,
    PASV_PORTS,
    PUBLIC_IP,
    SERVER_IP,
    NatLab,
    ensure_nft,
)

EXPORTER_PORT = 9123
PROMETHEUS = "127.0.0.1:9090"
MODULES = f"""\
modules:
  edge:
    timeout: 2s
    deadline: 8s
    tls: off
    targets: ["{PUBLIC_IP}"]
"""
# One job; each target group names the exporter that probes it (a `__`-label, dropped after
# relabelling) and the vantage point it stands for.
PROMETHEUS_YML = f"""\
global:
  scrape_interval: 3s
  scrape_timeout: 2500ms
scrape_configs:
  - job_name: ftpdoctor
    metrics_path: /probe
    params:
      module: [edge]
    static_configs:
      - targets: ["{PUBLIC_IP}"]
        labels: {{vantage: outside, __exporter__: "{CLIENT_IP}:{EXPORTER_PORT}"}}
      - targets: ["{PUBLIC_IP}"]
        labels: {{vantage: behind-nat, __exporter__: "{NAT_CLIENT_IP}:{EXPORTER_PORT}"}}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - source_labels: [__exporter__]
        target_label: __address__
"""
QUERY = """\
import json, sys, urllib.parse, urllib.request
q = urllib.parse.urlencode({"query": sys.argv[2]})
with urllib.request.urlopen(f"http://{sys.argv[1]}/api/v1/query?{q}", timeout=5) as r:
    data = json.load(r)["data"]["result"]
print(json.dumps({m["metric"].get("vantage", ""): float(m["value"][1]) for m in data}))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--cache", required=True)
    a = ap.parse_args()
    # The servers run from other working directories: every path absolute.
    a.bin, a.prometheus = str(Path(a.bin).resolve()), str(Path(a.prometheus).resolve())
    cache = Path(a.cache).resolve()
    passed = failed = 0

    def check(name, ok, detail):
        nonlocal passed, failed
        print(
            f"{'ok  ' if ok else 'FAIL'} vantage: {name}{'' if ok else ': ' + detail}", flush=True
        )
        passed, failed = passed + ok, failed + (not ok)

    state.claim()
    lab = NatLab()
    procs, server = [], None
    work = Path(tempfile.mkdtemp(prefix="ftpdoctor-vantage-"))
    try:
        try:
            lab.build()
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            detail = (getattr(e, "stderr", "") or str(e)).strip().splitlines()
            print(f"vantage: SKIPPED (cannot build the NAT lab: {detail[0] if detail else e})")
            return 0
        ensure_nft()
        lab.router()
        servers.ensure_installed(cache)
        server = servers.start(
            "vsftpd",
            cache,
            servers.Options(
                listen=SERVER_IP,
                port=21,
                pasv_ports=PASV_PORTS,
                pasv_address=PUBLIC_IP,
                prefix=lab.prefix("srv"),
            ),
        )
        (work / "modules.yml").write_text(MODULES)
        (work / "prometheus.yml").write_text(PROMETHEUS_YML)
        for role, ip in (("cli", CLIENT_IP), ("nat", NAT_CLIENT_IP)):
            procs.append(
                subprocess.Popen(
                    [
                        *lab.prefix(role),
                        a.bin,
                        "serve",
                        "--config",
                        str(work / "modules.yml"),
                        "--listen",
                        f"{ip}:{EXPORTER_PORT}",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        procs.append(
            subprocess.Popen(
                [
                    *lab.prefix("rtr"),
                    a.prometheus,
                    f"--config.file={work / 'prometheus.yml'}",
                    f"--storage.tsdb.path={work / 'tsdb'}",
                    f"--web.listen-address={PROMETHEUS}",
                    "--log.level=warn",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )

        def query(expr):
            out = lab.sh(
                sys.executable, "-c", QUERY, PROMETHEUS, expr, ns="rtr", check=False, timeout=10
            )
            return json.loads(out.stdout) if out.returncode == 0 else {}

        deadline = time.monotonic() + 60
        counts = {}
        while time.monotonic() < deadline:
            time.sleep(1)
            counts = query('count_over_time(up{job="ftpdoctor"}[5m])')
            if len(counts) == 2 and min(counts.values()) >= 3:
                break
        check(
            "both exporters scraped three times",
            len(counts) == 2 and min(counts.values()) >= 3,
            str(counts),
        )
        up = query('min_over_time(up{job="ftpdoctor"}[5m])')
        check("up 1 from both vantage points", up == {"outside": 1.0, "behind-nat": 1.0}, str(up))
        success = query('probe_success{job="ftpdoctor"}')
        check(
            "the server is up from outside and down from behind the NAT",
            success == {"outside": 1.0, "behind-nat": 0.0},
            str(success),
        )
        rejected = query('probe_ftp_finding{job="ftpdoctor", id="port-rejected", mode="port"}')
        check(
            "port-rejected is seen from behind the NAT only",
            rejected == {"behind-nat": 1.0},
            str(rejected),
        )
        passive = query('probe_ftp_mode_success{job="ftpdoctor", mode="pasv"}')
        check(
            "passive mode works from both",
            passive == {"outside": 1.0, "behind-nat": 1.0},
            str(passive),
        )
    finally:
        for p in procs:
            p.kill()
            p.wait()
        if server is not None:
            server.stop()
        lab.teardown()
        state.release()
        subprocess.run(["rm", "-rf", str(work)], check=False)
    print(f"vantage: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
