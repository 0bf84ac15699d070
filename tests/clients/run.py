#!/usr/bin/env python3
"""Proves ftpdoctor's client predictions against the real clients.

For every lab scenario: start the lab, probe it (`--format json --clients all`), run each
real client against it with a hard cap on its time, and compare what the client did
(works: exit 0; fails: exit non-zero before the cap; hangs: still running at the cap)
with what the report predicted. Prints the whole predicted-against-observed matrix.

Everything runs inside a network namespace of its own (`unshare --net --mount`, with its
own resolv.conf naming a resolver on loopback that is not there): loopback for the
lab, and a default route into a veth pair whose other end is in the same namespace and has
no address (a static neighbour entry stands in for the router), so every packet to any
other address is dropped there: a client that follows an advertised address such as
10.0.0.5 waits as it would on the Internet, and nothing leaves the machine.

Exit: 0 every prediction matched, 1 a mismatch or a broken run, 3 no network namespace.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import clients  # noqa: E402

NETNS_MARK = "FTPDOCTOR_CLIENTS_NETNS"
# A client still running after this long is "hanging". Long enough for a JVM to start on a
# busy 2-core machine, far below every default timeout a client is predicted to hang on.
DEFAULT_CAP_S = 6.0
# The lab answers 425 when no data connection came within this: longer than the cap, so a
# client waiting for one is still waiting when the cap strikes.
LAB_DATA_TIMEOUT = "60s"
PATH = "/pub/readme.txt"
PROBE_FLAGS = ["--timeout", "2s", "--deadline", "20s"]
# Scenarios whose probe needs more than the defaults to see what clients will meet.
SCENARIO_FLAGS = {"partial-range": ["--sample-ports", "10"]}
# Where each lab listens. zero-pasv's 0.0.0.0 means "this host" to the client, and Linux
# connects it to 127.0.0.1: on 127.0.0.2 the server is not the client's own host, as on
# a real network, and the client meets a closed port there instead of the lab.
LISTEN = {"zero-pasv": "127.0.0.2:0"}
# Clients that run at once per scenario: each is a process (a JVM, a Node) on 2 cores.
PARALLEL = 8


@dataclass
class Observed:
    profile: str
    outcome: str  # works | fails | hangs | skipped
    seconds: float
    detail: str = ""


@dataclass
class Row:
    scenario: str
    predictions: dict[str, dict] = field(default_factory=dict)
    observed: dict[str, Observed] = field(default_factory=dict)
    error: str | None = None


def enter_netns(argv: list[str]) -> int:
    """Re-runs this script in a fresh network namespace; returns its exit code."""
    if os.geteuid() != 0:
        print("clients: needs root for a network namespace (unshare --net)")
        return 3
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True)
    if probe.returncode != 0:
        print(f"clients: cannot create a network namespace: {probe.stderr.decode().strip()}")
        return 3
    # A resolv.conf of the namespace's own (in a mount namespace): a resolver on loopback
    # where nothing listens, so a lookup fails at once instead of vanishing down the
    # black hole (ncftp looks up the server's name, 127.0.0.2 has none in /etc/hosts).
    resolv = Path(tempfile.mkdtemp(prefix="ftpdoctor-clients-ns-")) / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    setup = (
        f"mount --bind {resolv} /etc/resolv.conf && "
        "ip link set lo up && ip link add bh0 type veth peer name bh1 && "
        "ip link set bh0 up && ip link set bh1 up && ip addr add 192.0.2.1/24 dev bh0 && "
        "ip route add default via 192.0.2.2 dev bh0 && "
        "ip neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev bh0 nud permanent && "
        'exec "$@"'
    )
    env = dict(os.environ, **{NETNS_MARK: "1"})
    cmd = ["unshare", "--net", "--mount", "--", "sh", "-c", setup, "sh", sys.executable, *argv]
    try:
        return subprocess.run(cmd, env=env).returncode
    except OSError as e:
        print(f"clients: cannot create a network namespace: {e}")
        return 3
    finally:
        resolv.unlink(missing_ok=True)
        resolv.parent.rmdir()


def start_lab(bin_path: str, scenario: str, ca: Path) -> tuple[subprocess.Popen, str]:
    cmd = [bin_path, "lab", "--scenario", scenario, "--listen", LISTEN.get(scenario, "127.0.0.1:0"),
           "--data-timeout", LAB_DATA_TIMEOUT, "--ca-out", str(ca)]
    lab = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert lab.stdout is not None
    url = lab.stdout.readline().strip()
    # tls-implicit prints ftps://: clients and the probe are given ftp:// on purpose, the
    # mistake the scenario is about (every client waits for a plaintext greeting).
    url = url.replace("ftps://", "ftp://", 1)
    if not url.startswith("ftp://"):
        lab.kill()
        raise RuntimeError(f"lab {scenario} printed {url!r}")
    return lab, url.rstrip("/")


def probe(bin_path: str, url: str, scenario: str, ca: Path | None) -> dict:
    cmd = [bin_path, "probe", url + PATH, "--format", "json", "--clients", "all", *PROBE_FLAGS,
           *SCENARIO_FLAGS.get(scenario, [])]
    if ca is not None:
        cmd += ["--ca-file", str(ca)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"probe exited {done.returncode}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def run_client(profile: str, fetch: clients.Fetch, cap: float) -> Observed:
    why = clients.missing(profile, fetch.cache)
    if why:
        return Observed(profile, "skipped", 0.0, why)
    fetch = dataclasses.replace(fetch, out=fetch.out / f"{profile}.out")
    fetch.out.unlink(missing_ok=True)
    argv = clients.COMMANDS[profile](fetch)
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace",
                            env=clients.environment(fetch), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        took = time.monotonic() - started
        return Observed(profile, "hangs", took, f"still running at {cap:.0f} s")
    took = time.monotonic() - started
    text = (err.strip() or out.strip()).splitlines()
    last = text[-1][:160] if text else ""
    size = fetch.out.stat().st_size if fetch.out.is_file() else 0
    if proc.returncode == 0 and size > 0:
        return Observed(profile, "works", took, f"{size} bytes")
    if proc.returncode == 0:
        last = f"exit 0 without the file: {last}"
    return Observed(profile, "fails", took, last)


def run_scenario(args, scenario: str, work: Path) -> Row:
    row = Row(scenario)
    ca = work / f"{scenario}-ca.pem"
    try:
        lab, url = start_lab(args.bin, scenario, ca)
    except (RuntimeError, OSError) as e:
        row.error = str(e)
        return row
    try:
        has_ca = ca.is_file() and ca.stat().st_size > 0
        try:
            report = probe(args.bin, url, scenario, ca if has_ca else None)
            row.predictions = {c["id"]: c for c in report.get("clients", [])}
        except (RuntimeError, ValueError, subprocess.TimeoutExpired) as e:
            row.error = f"probe: {e}"
        host, port = url.removeprefix("ftp://").rsplit(":", 1)
        fetch = clients.Fetch(host, int(port), PATH, str(ca) if has_ca else None, args.cache,
                              work / "home", work)
        with ThreadPoolExecutor(PARALLEL) as pool:
            runs = pool.map(lambda p: run_client(p, fetch, args.cap), args.clients)
            row.observed = {o.profile: o for o in runs}
    finally:
        lab.terminate()
        lab.wait(timeout=10)
    return row


def matches(predicted: str | None, observed: str) -> bool:
    if observed == "skipped" or predicted is None:
        return False
    return predicted == "depends" or predicted == observed


SHORT = {"works": "W", "fails": "F", "hangs": "H", "depends": "D", "skipped": "-", None: "?"}


def print_matrix(rows: list[Row], profiles: list[str]) -> None:
    print("\npredicted/observed per scenario and client (W works, F fails, H hangs at the cap,"
          " D depends, - not run, ? no prediction; ! marks a mismatch)")
    width = max(len(r.scenario) for r in rows)
    print(" " * width + "  " + " ".join(f"{i:>5}" for i in range(len(profiles))))
    for row in rows:
        cells = []
        for p in profiles:
            pred = row.predictions.get(p, {}).get("prediction")
            obs = row.observed.get(p)
            o = obs.outcome if obs else "skipped"
            mark = " " if matches(pred, o) or o == "skipped" else "!"
            cells.append(f"{SHORT.get(pred, '?')}/{SHORT[o]}{mark}".rjust(5))
        error = f"  {row.error}" if row.error else ""
        print(f"{row.scenario:<{width}}  " + " ".join(cells) + error)
    print("columns: " + ", ".join(f"{i} {p}" for i, p in enumerate(profiles)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default="target/debug/ftpdoctor")
    parser.add_argument("--cap", type=float, default=DEFAULT_CAP_S)
    parser.add_argument("--cache", type=Path, default=Path("target/clients-cache"))
    parser.add_argument("--scenarios", default="")
    parser.add_argument("--clients", default=",".join(clients.COMMANDS))
    parser.add_argument("--json-out", type=Path, default=Path("target/clients-matrix.json"))
    args = parser.parse_args()
    if os.environ.get(NETNS_MARK) != "1":
        return enter_netns(sys.argv)
    args.bin = str(Path(args.bin).resolve())
    args.cache = args.cache.resolve()
    args.clients = [c for c in args.clients.split(",") if c]
    listed = subprocess.run([args.bin, "lab", "--list"], capture_output=True, text=True).stdout
    scenarios = [line.split()[0] for line in listed.split("\n\n")[0].splitlines() if line.strip()]
    if args.scenarios:
        scenarios = [s for s in scenarios if s in args.scenarios.split(",")]
    started = time.monotonic()
    rows = []
    with tempfile.TemporaryDirectory(prefix="ftpdoctor-clients-") as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        for scenario in scenarios:
            row = run_scenario(args, scenario, work)
            rows.append(row)
            for p in args.clients:
                o = row.observed.get(p)
                pred = row.predictions.get(p, {})
                print(f"{scenario:<20} {p:<18} predicted {pred.get('prediction', '?'):<8}"
                      f" observed {o.outcome if o else '?':<8} {o.seconds if o else 0:5.1f} s"
                      f"  {o.detail if o else ''}", flush=True)
    print_matrix(rows, args.clients)
    checked = [(r, p) for r in rows for p in args.clients
               if p in r.observed and r.observed[p].outcome != "skipped"]
    failed = [(r, p) for r, p in checked
              if not matches(r.predictions.get(p, {}).get("prediction"), r.observed[p].outcome)]
    skipped = sum(len(args.clients) for _ in rows) - len(checked)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps([
        {"scenario": r.scenario, "error": r.error,
         "clients": {p: {"predicted": r.predictions.get(p), "observed": vars(r.observed[p])}
                     for p in r.observed}} for r in rows], indent=1))
    for r, p in failed:
        pred = r.predictions.get(p, {})
        print(f"MISMATCH {r.scenario} {p}: predicted {pred.get('prediction')}"
              f" ({pred.get('reason')}), observed {r.observed[p].outcome}: {r.observed[p].detail}")
    broken = [r for r in rows if r.error]
    print(f"{len(rows)} scenarios, {len(args.clients)} clients, {time.monotonic() - started:.0f} s")
    print(f"clients: {len(checked) - len(failed)} passed, {len(failed)} failed, {skipped} skipped")
    return 1 if failed or broken else 0


if __name__ == "__main__":
    sys.exit(main())
