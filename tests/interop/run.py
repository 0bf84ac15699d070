#!/usr/bin/env python3
"""Interop stage: ftpdoctor probed against real FTP servers on loopback, asserted from its JSON.

Usage: tests/interop/run.py [--bin PATH] [--cache DIR] [--only SERVER] [--results FILE]
                            [--capture DIR]

Each server (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib) runs with a throw-away config on
127.0.0.1 and a free port, once per scenario (SCENARIOS below); every run prints one line
saying which server and scenario passed or failed, and the stage exits 1 if any failed.
--capture DIR records each server's raw replies instead, one reply per file (capture.py).
"""

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import servers  # noqa: E402
from reports import Check, ids, record, status  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# Short per-step timeout: every server is on loopback, so 2 s is only ever hit by a real hang.
TIMEOUT = "2s"
ALL_MODES = ["epsv", "pasv", "eprt", "port"]
PRIVATE = "10.0.0.5"
# Not the control peer and not local-scope: a stale masquerade address (never dialled).
MISMATCH = "198.51.100.7"
README = "ftpdoctor interop test file\n"




def probe(binary, port, path="/pub/", extra=(), ca=None, implicit=False, host="127.0.0.1"):
    """Plain FTP (`--tls off`) unless `extra` names --tls; explicit FTPS with `ca`, or
    implicit (an ftps:// URL)."""
    tls = ["--tls", "explicit", "--ca-file", str(ca)] if ca else []
    if implicit:
        tls = ["--ca-file", str(ca)]
    if not tls and "--tls" not in extra:
        tls = ["--tls", "off"]
    scheme = "ftps" if implicit else "ftp"
    cmd = [str(binary), "probe", f"{scheme}://{host}:{port}{path}", "--format", "json",
           "--timeout", TIMEOUT, "--transcript", *tls, *extra]
    got = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    try:
        report = json.loads(got.stdout)
    except json.JSONDecodeError:
        report = None
    return cmd, got, report






def lines(report, direction="<"):
    return [t["line"] for t in report.get("transcript", []) if t["dir"] == direction]


def expect_quirks(c, server, report):
    """What FIELD-NOTES.md says each server does, seen in the transcript of a default run."""
    got = lines(report)
    sent = lines(report, ">")
    if server == "pureftpd":
        banner = [l for l in got if l.startswith("220")]
        c.that(len(banner) >= 5 and banner[0].startswith("220-"),
               f"Pure-FTPd multi-line banner: {banner}")
        c.that(report["control"]["banner"].count("\n") >= 4,
               f"banner kept whole: {report['control']['banner']!r}")
        c.that("230 Anonymous user logged in" in got, "Pure-FTPd logs in right after USER")
        c.that(not any(s.startswith("PASS") for s in sent), "no PASS sent to Pure-FTPd")
    if server == "proftpd":
        c.that(report["control"]["banner"].endswith("[127.0.0.1]"),
               f"ProFTPD banner carries its address: {report['control']['banner']!r}")
    if server == "pyftpdlib":
        c.that(any(l.startswith("125 ") for l in got), "pyftpdlib starts transfers with 125")
        c.that("200 Active data connection established." in got,
               "pyftpdlib connects back during PORT/EPRT")
    if server == "vsftpd":
        c.that("200 EPRT command successful. Consider using EPSV." in got,
               "vsftpd's EPRT reply")
        c.that(any(l.startswith("227 Entering Passive Mode (127,0,0,1,") and l.endswith(").")
                   for l in got), "vsftpd's 227 with a trailing dot")


def scenario_default(c, server, run):
    _, got, r = run()
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(r["verdict"] == "ok", f"verdict {r['verdict']}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    c.that(all(m["transfer"]["command"].startswith("LIST") and m["transfer"]["outcome"] == "ok"
               for m in r["modes"]), "every mode LISTed")
    expect_quirks(c, server, r)


def scenario_retr(c, server, run):
    _, got, r = run(path="/pub/readme.txt")
    c.that(got.returncode == 0, f"exit {got.returncode}")
    for m in r["modes"]:
        t = m["transfer"] or {}
        c.that(t.get("command", "").startswith("RETR") and t.get("bytes") == len(README),
               f"{m['mode']} RETR {t.get('command')} {t.get('bytes')} bytes")


def scenario_private_pasv(c, server, run):
    _, got, r = run()
    c.that(got.returncode == 1, f"exit {got.returncode}")
    c.that(r["verdict"] == "fail", f"verdict {r['verdict']}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "fail", "eprt": "ok", "port": "ok"}, f"statuses {st}")
    c.that(ids(r, "error") == ["pasv-private-address"], f"errors {ids(r, 'error')}")
    c.that("substitute-address-works" in ids(r, "info", "pasv"), f"infos {ids(r, 'info')}")
    pasv = next(m for m in r["modes"] if m["mode"] == "pasv")
    adv = pasv["advertised"] or {}
    c.that(adv.get("ip") == PRIVATE and adv.get("class") == "private", f"advertised {adv}")
    # The safety rule, on a real server: the private address is reported, never dialled.
    dials = [(d["addr"], d["outcome"]) for d in pasv["dials"]]
    c.that(all(a.startswith("127.0.0.1:") or o == "skipped-policy" for a, o in dials),
           f"dials {dials}")


def scenario_mismatch_pasv(c, server, run):
    _, got, r = run()
    c.that(got.returncode == 0, f"exit {got.returncode} (a warning is under --fail-on error)")
    c.that(r["verdict"] == "warn", f"verdict {r['verdict']}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "warn", "eprt": "ok", "port": "ok"}, f"statuses {st}")
    c.that(ids(r, "warn") == ["pasv-address-mismatch"], f"warnings {ids(r, 'warn')}")
    c.that("substitute-address-works" in ids(r, "info", "pasv"), f"infos {ids(r, 'info')}")


def scenario_one_connection(c, server, run):
    _, got, r = run()
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    c.that(ids(r) == ["connection-limit"], f"findings {ids(r)}")


def scenario_sequential(c, server, run):
    _, got, r = run(extra=["--sequential"])
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    sessions = {t["session"] for t in r["transcript"]}
    c.that(sessions == {"control"}, f"one control session, saw {sorted(sessions)}")


def scenario_tls_auto_plain_server(c, server, run):
    # The default --tls auto against a server without FTPS: plain FTP goes on; for an
    # anonymous login (no secret crossed) the finding is info and the verdict ok.
    _, got, r = run(extra=["--tls", "auto"])
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(r["verdict"] == "ok", f"verdict {r['verdict']}")
    c.that(ids(r, "info") == ["tls-unavailable"], f"findings {ids(r)}")
    c.that(r["control"]["tls"] == "none", f"tls {r['control']['tls']}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")


def scenario_ftps(c, server, run):
    _, got, r = run(tls=True)
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(r["verdict"] == "ok", f"verdict {r['verdict']}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    details = r["control"].get("tls_details") or {}
    c.that(r["control"]["tls"] == "explicit" and details.get("verified") is True
           and details.get("data_protected") is True, f"control TLS {details}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    for m in r["modes"]:
        t = (m["transfer"] or {}).get("tls") or {}
        c.that(t.get("ok") is True, f"{m['mode']} data TLS {t}")


def scenario_ftps_one_connection(c, server, run):
    # The fallback to modes in turn, on one TLS connection.
    _, got, r = run(tls=True)
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(r["control"]["tls"] == "explicit", f"tls {r['control']['tls']}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    c.that(ids(r) == ["connection-limit"], f"findings {ids(r)}")


def scenario_ipv6(c, server, run):
    # On ::1 only the extended modes apply; PASV and PORT carry IPv4 addresses only.
    _, got, r = run()
    c.that(got.returncode == 0, f"exit {got.returncode}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "skipped", "eprt": "ok", "port": "skipped"},
           f"statuses {st}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    c.that(r["control"]["peer"].startswith("[::1]:"), f"peer {r['control']['peer']}")


# Servers that demand each data connection resume the control connection's TLS session:
# vsftpd require_ssl_reuse (default YES), ProFTPD mod_tls (default, NoSessionReuseRequired off).
REUSE_REQUIRED = {"vsftpd", "proftpd"}


def scenario_ftps_no_reuse(c, server, run):
    _, got, r = run(tls=True, extra=["--no-tls-reuse"])
    if server in REUSE_REQUIRED:
        c.that(got.returncode == 1, f"exit {got.returncode}")
        c.that(status(r) == dict.fromkeys(ALL_MODES, "fail"), f"statuses {status(r)}")
        for m in ALL_MODES:
            found = [f for f in r["findings"] if f["mode"] == m]
            c.that([f["id"] for f in found] == ["tls-handshake-failed"]
                   and "session-reuse" in found[0]["evidence"], f"{m}: {ids(r, mode=m)}")
    else:
        c.that(got.returncode == 0, f"exit {got.returncode}")
        c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")


def scenario_ftps_implicit(c, server, run):
    _, got, r = run(implicit=True)
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(r["control"]["tls"] == "implicit", f"tls {r['control']['tls']}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")


# vsftpd implicit_ssl=YES, ProFTPD TLSOptions UseImplicitSSL.
IMPLICIT = {"vsftpd", "proftpd"}


# name, server options, check
SCENARIOS = [
    ("default", servers.Options(), scenario_default),
    ("retr", servers.Options(), scenario_retr),
    ("private-pasv", servers.Options(pasv_address=PRIVATE), scenario_private_pasv),
    ("mismatch-pasv", servers.Options(pasv_address=MISMATCH), scenario_mismatch_pasv),
    ("one-connection", servers.Options(max_clients=1), scenario_one_connection),
    ("sequential", servers.Options(), scenario_sequential),
    ("tls-auto-plain", servers.Options(), scenario_tls_auto_plain_server),
    ("ftps", servers.Options(tls=True), scenario_ftps),
    ("ftps-no-reuse", servers.Options(tls=True), scenario_ftps_no_reuse),
    ("ftps-one-connection", servers.Options(tls=True, max_clients=1),
     scenario_ftps_one_connection),
    ("ftps-implicit", servers.Options(implicit=True), scenario_ftps_implicit),
    ("ipv6", servers.Options(listen="::1"), scenario_ipv6),
]
# Scenarios that only some servers can be configured for.
ONLY = {"ftps-implicit": IMPLICIT}


def run_one(binary, cache, server, name, opts, check):
    c = Check()
    s = servers.start(server, cache, opts)
    last = {}

    def run(path="/pub/", extra=(), tls=False, implicit=False):
        ca = s.ca if tls or implicit else None
        host = f"[{opts.listen}]" if ":" in opts.listen else opts.listen
        cmd, got, report = probe(binary, s.port, path, extra, ca, implicit, host)
        last.update(cmd=cmd, got=got)
        if report is None:
            raise AssertionError(f"no JSON report (exit {got.returncode}): {got.stderr}")
        last["report"] = report
        return cmd, got, report

    try:
        check(c, server, run)
    except (AssertionError, KeyError, TypeError, StopIteration) as e:
        c.errors.append(f"{type(e).__name__}: {e}")
    finally:
        s.stop()
    if c.errors and last:
        c.errors.append("command: " + " ".join(last["cmd"]))
        report = last.get("report")
        if report:
            c.errors.append(f"statuses {status(report)}, findings {ids(report)}")
            saved = REPO / "target" / "interop-failures" / f"{server}-{name}.json"
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(last["got"].stdout)
            c.errors.append(f"report saved to {saved}")
        c.errors.append("stderr: " + last["got"].stderr[-1000:])
    return c.errors, last.get("report")


def capture(server, cache, outdir):
    """Raw replies of a default session and of a refused second connection (capture.py)."""
    label = f"{server}-{servers.VERSIONS[server]}"
    for opts, suffix, extra in ((servers.Options(), "", []),
                                (servers.Options(max_clients=1), "-limit", ["--extra-connection"])):
        s = servers.start(server, cache, opts)
        try:
            subprocess.run([sys.executable, str(Path(__file__).parent / "capture.py"),
                            "127.0.0.1", str(s.port), str(outdir), label + suffix, *extra],
                           check=True, timeout=60)
        finally:
            s.stop()




def missing_abilities():
    """What this machine cannot do, by server or scenario name: Pure-FTPd needs a private
    mount namespace (its `ftp` user lives only there), the ipv6 scenario needs ::1. A root
    account in a container may lack both; that is said, not failed."""
    missing = {}
    try:
        subprocess.run(["unshare", "-m", "true"], check=True, timeout=10,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        missing["pureftpd"] = "cannot make a mount namespace (unshare -m)"
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        missing["ipv6"] = "no ::1 on this machine"
    return missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/debug/ftpdoctor"))
    ap.add_argument("--cache", default=str(REPO / "target/interop-cache"))
    ap.add_argument("--only", choices=servers.SERVERS)
    ap.add_argument("--results", help="append one JSON line per server and scenario here")
    ap.add_argument("--capture", help="write each server's raw replies into this folder")
    a = ap.parse_args()
    cache = Path(a.cache)
    started = time.monotonic()
    servers.ensure_installed(cache)
    print(f"interop: servers ready in {time.monotonic() - started:.1f} s", flush=True)
    if a.capture:
        for server in [a.only] if a.only else servers.SERVERS:
            capture(server, cache, Path(a.capture))
        return 0
    passed = failed = 0
    missing = missing_abilities()
    for server in [a.only] if a.only else servers.SERVERS:
        for name, opts, check in SCENARIOS:
            if server not in ONLY.get(name, {server}):
                print(f"interop: {server:9} {name:20} n/a (the server cannot do it)")
                continue
            why = missing.get(server) or missing.get(name)
            if why:
                print(f"interop: {server:9} {name:20} SKIPPED ({why})")
                continue
            t0 = time.monotonic()
            try:
                errors, report = run_one(a.bin, cache, server, name, opts, check)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                errors, report = [f"{type(e).__name__}: {e}"], None
            record(a.results, "interop", server, name, errors, report)
            took = time.monotonic() - t0
            if errors:
                failed += 1
                print(f"interop: {server:9} {name:20} FAIL ({took:.1f} s)", flush=True)
                for e in errors:
                    print("    " + e.replace("\n", "\n    "), flush=True)
            else:
                passed += 1
                print(f"interop: {server:9} {name:20} ok ({took:.1f} s)", flush=True)
    print(f"interop: {passed} passed, {failed} failed in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
