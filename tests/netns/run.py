#!/usr/bin/env python3
"""NAT stage: ftpdoctor through a real Linux NAT router built from network namespaces.

Usage: tests/netns/run.py [--bin PATH] [--cache DIR] [--only SERVER] [--results FILE]
                          [--capture DIR]

    cli  203.0.113.2 ──┐                      ┌── srv 10.77.0.2
                       ├─ rtr 203.0.113.1 ─ 10.77.0.1      (FTP on :21, passive 50000-50019)
    nat  192.168.50.2 ─┘   192.168.50.1 (masquerade)

The router DNATs 203.0.113.1:21 and :50000-50019 to the server and masquerades the server's
and the second client's outgoing traffic. Every address lives in namespaces this script creates
and deletes (always, on any exit); nothing outside them is ever dialled. Each scenario runs
`ftpdoctor probe --format json` in a client namespace and asserts the report.
Exits 0 when every scenario passed, 1 when one failed, 3 when namespaces cannot be created
(the caller reports the stage as skipped).
"""

import argparse
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "interop"))
import servers  # noqa: E402
from reports import Check, ids, mode, record, status  # noqa: E402

SERVER_IP = "10.77.0.2"
PUBLIC_IP = "203.0.113.1"
CLIENT_IP = "203.0.113.2"
NAT_CLIENT_IP = "192.168.50.2"
PASV_PORTS = (50000, 50019)
TIMEOUT_S = 2.0
# "About one --timeout": the modes run concurrently, so a blackholed passive range costs one
# timeout, not one per mode; the slack covers process start and login on a loaded 2-core box.
BLOCKED_BUDGET_S = TIMEOUT_S * 1.75
SKIPPED = 3

TAG = f"fd{os.getpid()}"
NS = {k: f"{TAG}-{k}" for k in ("srv", "rtr", "cli", "nat")}


def sh(*args, ns=None, check=True, **kw):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + list(args)
    return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)


def teardown():
    for ns in NS.values():
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def nft(rules: str):
    subprocess.run(["ip", "netns", "exec", NS["rtr"], "nft", "-f", "-"], input=rules,
                   check=True, capture_output=True, text=True)


def veth(a, a_if, a_addr, b, b_if, b_addr):
    # Both ends are created inside their namespaces: nothing ever appears in the host's.
    sh("ip", "link", "add", a_if, "netns", NS[a], "type", "veth", "peer", "name", b_if,
       "netns", NS[b])
    for ns, ifname, addr in ((a, a_if, a_addr), (b, b_if, b_addr)):
        sh("ip", "addr", "add", addr, "dev", ifname, ns=NS[ns])
        sh("ip", "link", "set", ifname, "up", ns=NS[ns])


def ensure_nft():
    """nft from Debian's nftables package when the machine lacks it (a fresh CI machine)."""
    if shutil.which("nft"):
        return
    print("netns: apt-get install nftables", flush=True)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nftables"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(cmd, check=True, capture_output=True, env=env)


def build():
    for ns in NS.values():
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "set", "lo", "up", ns=ns)
    veth("srv", "eth0", f"{SERVER_IP}/24", "rtr", "in0", "10.77.0.1/24")
    veth("cli", "eth0", f"{CLIENT_IP}/24", "rtr", "out0", f"{PUBLIC_IP}/24")
    veth("nat", "eth0", f"{NAT_CLIENT_IP}/24", "rtr", "lan0", "192.168.50.1/24")
    sh("ip", "route", "add", "default", "via", "10.77.0.1", ns=NS["srv"])
    sh("ip", "route", "add", "default", "via", "192.168.50.1", ns=NS["nat"])
    sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns=NS["rtr"])


def router(drop_passive: bool | str = False, helper=False, drop_active: bool | str = False):
    lo, hi = PASV_PORTS
    helper_rules = ""
    if helper:
        # The kernel's FTP ALG (nf_conntrack_ftp + nf_nat_ftp) on the control connection: it
        # reads and rewrites the plaintext 227/PORT lines and opens the data connections.
        helper_rules = f"""
  ct helper ftp-standard {{ type "ftp" protocol tcp; }}
  chain helpers {{
    type filter hook prerouting priority filter; policy accept;
    ip daddr {{ {PUBLIC_IP}, {SERVER_IP} }} tcp dport 21 ct helper set "ftp-standard"
  }}"""
    # "reject" answers the passive range with a RST instead of dropping it. Stateful, as
    # real firewalls are: only new connections, so that the server's own outgoing active
    # connections, whose ephemeral source port may fall in the range, still get answers.
    passive_verdict = "reject with tcp reset" if drop_passive == "reject" else "drop"
    drop = (f"ip daddr {SERVER_IP} tcp dport {lo}-{hi} ct state new {passive_verdict}"
            if drop_passive else "")
    if drop_active:
        # A client-side firewall: nothing from the server may open a connection to the
        # client; "reject" answers with a RST instead of dropping.
        verdict = "reject with tcp reset" if drop_active == "reject" else "drop"
        drop += f"\n    ip daddr {CLIENT_IP} tcp flags syn ct state new {verdict}"
    nft(f"""flush ruleset
table ip lab {{{helper_rules}
  chain dnat_in {{
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr {PUBLIC_IP} tcp dport {{ 21, {lo}-{hi} }} dnat to {SERVER_IP}
  }}
  chain snat_out {{
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr {SERVER_IP} oifname "out0" masquerade
    ip saddr 192.168.50.0/24 oifname != "lan0" masquerade
  }}
  chain forward_filter {{
    type filter hook forward priority filter; policy accept;
    {drop}
  }}
}}
""")


def probe(binary, ns, extra=(), ca=None):
    """Plain FTP (`--tls off`), or explicit FTPS verified with `ca`."""
    tls = ["--tls", "explicit", "--ca-file", str(ca)] if ca else ["--tls", "off"]
    cmd = [str(binary), "probe", f"ftp://{PUBLIC_IP}/pub/", "--format", "json",
           "--timeout", f"{TIMEOUT_S:g}s", "--transcript", *tls, *extra]
    t0 = time.monotonic()
    got = sh(*cmd, ns=NS[ns], check=False, timeout=60)
    took = time.monotonic() - t0
    try:
        report = json.loads(got.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"no JSON report (exit {got.returncode}): {got.stderr}")
    return got, report, took










def private_pasv(c, binary, server, ca):
    got, r, _ = probe(binary, "cli")
    c.that(got.returncode == 1, f"exit {got.returncode}")
    st = status(r)
    c.that(st["epsv"] == "ok" and st["pasv"] == "fail", f"statuses {st}")
    c.that(ids(r, "error", "pasv") == ["pasv-private-address"], f"pasv errors {ids(r, 'error')}")
    c.that("substitute-address-works" in ids(r, "info", "pasv"), f"infos {ids(r, 'info')}")
    adv = mode(r, "pasv")["advertised"] or {}
    c.that(adv.get("ip") == SERVER_IP and adv.get("class") == "private", f"advertised {adv}")
    dials = [(d["addr"], d["outcome"]) for d in mode(r, "pasv")["dials"]]
    c.that(all(a.startswith(PUBLIC_IP + ":") or o == "skipped-policy" for a, o in dials),
           f"dials {dials}")
    c.that(st["eprt"] == "ok" and st["port"] == "ok", f"active modes through the NAT: {st}")
    return r


def follow_advertised(c, binary, server, ca):
    # --follow-advertised dials the private address too: the client's namespace has no
    # route to 10.77.0.0/24, so it is unreachable at once, and the substitute still works.
    got, r, _ = probe(binary, "cli", ["--follow-advertised", "--modes", "pasv"])
    c.that(got.returncode == 1, f"exit {got.returncode}")
    dials = [(d["addr"].rsplit(":", 1)[0], d["why"], d["outcome"])
             for d in mode(r, "pasv")["dials"]]
    c.that(dials == [(SERVER_IP, "advertised", "unreachable"),
                     (PUBLIC_IP, "control-peer-substitute", "connected")], f"dials {dials}")
    c.that(ids(r) == ["pasv-private-address", "substitute-address-works"], f"findings {ids(r)}")
    return r


def masquerade(c, binary, server, ca):
    got, r, _ = probe(binary, "cli")
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    adv = mode(r, "pasv")["advertised"] or {}
    c.that(adv.get("ip") == PUBLIC_IP, f"advertised {adv}")
    return r


def blocked_passive(c, binary, server, ca):
    got, r, took = probe(binary, "cli")
    c.that(got.returncode == 1, f"exit {got.returncode}")
    for m in ("epsv", "pasv"):
        c.that("data-connect-timeout" in ids(r, "error", m), f"{m}: {ids(r, mode=m)}")
    st = status(r)
    c.that(st["eprt"] == "ok" and st["port"] == "ok", f"active modes unaffected: {st}")
    c.that(took < BLOCKED_BUDGET_S,
           f"probe took {took:.2f} s, more than about one --timeout ({BLOCKED_BUDGET_S:.2f} s)")
    c.note = f"{took:.2f} s"
    return r


def nat_client(c, binary, server, ca):
    got, r, _ = probe(binary, "nat")
    c.that(got.returncode == 1, f"exit {got.returncode}")
    st = status(r)
    c.that(st["epsv"] == "ok" and st["pasv"] == "ok", f"passive through the NAT: {st}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["port-rejected"], f"{m}: {ids(r, mode=m)}")
    local = r["control"]["local"]
    c.that(local.startswith(NAT_CLIENT_IP + ":"), f"local {local}")
    # The control peer is documentation space, not public, so the address-class rule stays
    # quiet; the STAT rule fires where the server names the client it sees (10.77.0.1).
    view = (r["control"].get("server_view") or {}).get("client")
    if server in STAT_NAMES_CLIENT:
        c.that(view == "10.77.0.1", f"STAT's client {view}")
        c.that("client-behind-nat" in ids(r, "info"), f"infos {ids(r, 'info')}")
    c.note = f"STAT client {view}; client-behind-nat " + (
        "emitted" if "client-behind-nat" in ids(r) else "not emitted")
    return r


def alg_plain(c, binary, server, ca):
    got, r, _ = probe(binary, "cli")
    c.that(got.returncode == 0, f"exit {got.returncode}")
    adv = mode(r, "pasv")["advertised"] or {}
    # The server says 10.77.0.2; the router's ALG rewrote the plaintext 227 on the way.
    c.that(adv.get("ip") == PUBLIC_IP, f"advertised {adv} (ALG did not rewrite the 227)")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")
    return r


def refused_passive(c, binary, server, ca):
    got, r, _ = probe(binary, "cli")
    c.that(got.returncode == 1, f"exit {got.returncode}")
    for m in ("epsv", "pasv"):
        c.that(ids(r, "error", m) == ["data-connect-refused"], f"{m}: {ids(r, mode=m)}")
    st = status(r)
    c.that(st["eprt"] == "ok" and st["port"] == "ok", f"active modes unaffected: {st}")
    return r


def active_blocked(c, binary, server, ca):
    got, r, took = probe(binary, "cli")
    c.that(got.returncode == 1, f"exit {got.returncode}")
    st = status(r)
    c.that(st["epsv"] == "ok" and st["pasv"] == "ok", f"passive unaffected: {st}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["active-connect-timeout"], f"{m}: {ids(r, mode=m)}")
    c.that(took < BLOCKED_BUDGET_S,
           f"probe took {took:.2f} s, more than about one --timeout ({BLOCKED_BUDGET_S:.2f} s)")
    c.note = f"{took:.2f} s"
    return r


def alg_ftps(c, binary, server, ca):
    # The router's FTP helper rewrites the plaintext 227 (10.77.0.2 -> 203.0.113.1) but
    # cannot read it inside TLS: the probe's plaintext comparison session shows the rewrite.
    got, r, _ = probe(binary, "cli", ca=ca)
    c.that(got.returncode == 1, f"exit {got.returncode}")
    c.that(r["control"]["tls"] == "explicit", f"tls {r['control']['tls']}")
    c.that("alg-rewrite" in ids(r, "warn", "pasv"), f"pasv warnings {ids(r, 'warn', 'pasv')}")
    c.that("pasv-private-address" in ids(r, "error", "pasv"), f"pasv {ids(r, mode='pasv')}")
    adv = mode(r, "pasv")["advertised"] or {}
    c.that(adv.get("ip") == SERVER_IP, f"advertised inside TLS {adv}")
    alg = [f for f in r["findings"] if f["id"] == "alg-rewrite" and f["mode"] == "pasv"]
    c.that(alg and PUBLIC_IP in alg[0]["summary"], f"alg-rewrite names the rewritten {PUBLIC_IP}")
    return r


def alg_ftps_nat_client(c, binary, server, ca):
    # Behind the masquerade the helper rewrites the plaintext PORT/EPRT to the router's
    # address, so the server accepts it there and refuses the same command inside TLS.
    got, r, _ = probe(binary, "nat", ca=ca)
    c.that(got.returncode == 1, f"exit {got.returncode}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["port-rejected"], f"{m}: {ids(r, mode=m)}")
        c.that(ids(r, "warn", m) == ["alg-rewrite"], f"{m} warnings {ids(r, 'warn', m)}")
    return r


def ftps_masquerade(c, binary, server, ca):
    got, r, _ = probe(binary, "cli", ca=ca)
    c.that(got.returncode == 0, f"exit {got.returncode}")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    return r


# Servers whose STAT reply names the client address they see (src/proto/stat.rs).
STAT_NAMES_CLIENT = {"vsftpd", "proftpd"}
MASQ = {"pasv_address": PUBLIC_IP}
# name, server options, router settings, check; every scenario runs against every server
SCENARIOS = [
    ("private-pasv", {}, {}, private_pasv),
    ("follow-advertised", {}, {}, follow_advertised),
    ("masquerade", MASQ, {}, masquerade),
    ("blocked-passive", MASQ, {"drop_passive": True}, blocked_passive),
    ("refused-passive", MASQ, {"drop_passive": "reject"}, refused_passive),
    ("active-blocked", MASQ, {"drop_active": True}, active_blocked),
    ("nat-client", MASQ, {}, nat_client),
    ("alg-plain", {}, {"helper": True}, alg_plain),
    ("ftps-masquerade", {**MASQ, "tls": True}, {}, ftps_masquerade),
    ("alg-ftps", {"tls": True}, {"helper": True}, alg_ftps),
    ("alg-ftps-nat-client", {**MASQ, "tls": True}, {"helper": True}, alg_ftps_nat_client),
]


# Which replies of capture.py's session each scenario adds to the fixtures (the rest repeat
# the loopback capture): scenario -> (label suffix, cases, client namespace)
CAPTURES = {
    "private-pasv": ("nat-private", ["banner", "pasv"], "cli"),
    "alg-plain": ("nat-alg", ["pasv"], "cli"),
    "nat-client": ("nat-client", ["stat", "eprt", "port"], "nat"),
}


def capture(cache, outdir, only):
    import tempfile
    for name, extra, settings, _ in SCENARIOS:
        if name not in CAPTURES:
            continue
        suffix, cases, client = CAPTURES[name]
        router(**settings)
        for server in servers.SERVERS:
            if only and server != only:
                continue
            label = f"{server}-{servers.VERSIONS[server]}-{suffix}"
            opts = servers.Options(listen=SERVER_IP, port=21, pasv_ports=PASV_PORTS,
                                   prefix=["ip", "netns", "exec", NS["srv"]], **extra)
            s = servers.start(server, cache, opts)
            tmp = Path(tempfile.mkdtemp(prefix="ftpdoctor-capture-"))
            try:
                sh(sys.executable, str(REPO / "tests/interop/capture.py"), PUBLIC_IP, "21",
                   str(tmp), label, ns=NS[client], timeout=60)
                for case in cases:
                    shutil.copy(tmp / f"{label}-{case}.txt", outdir / f"{label}-{case}.txt")
                print(f"netns: captured {label}: {', '.join(cases)}")
            finally:
                s.stop()
                shutil.rmtree(tmp, ignore_errors=True)




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/debug/ftpdoctor"))
    ap.add_argument("--cache", default=str(REPO / "target/interop-cache"))
    ap.add_argument("--only", choices=servers.SERVERS)
    ap.add_argument("--results", help="append one JSON line per server and scenario here")
    ap.add_argument("--capture", help="write the replies seen through the router here")
    a = ap.parse_args()
    started = time.monotonic()
    atexit.register(teardown)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    try:
        build()
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        print(f"netns: cannot build the NAT lab here ({detail.strip()}): stage SKIPPED")
        return SKIPPED
    # From here on the lab exists, so a router that cannot be configured is a failure.
    ensure_nft()
    router()
    cache = Path(a.cache)
    servers.ensure_installed(cache)
    if a.capture:
        Path(a.capture).mkdir(parents=True, exist_ok=True)
        capture(cache, Path(a.capture), a.only)
        return 0
    passed = failed = 0
    for name, extra, settings, check in SCENARIOS:
        try:
            router(**settings)
        except subprocess.CalledProcessError as e:
            if not settings.get("helper"):
                raise
            # The FTP helper needs nf_conntrack_ftp in the kernel; without it the scenario
            # cannot be built, which says nothing about ftpdoctor.
            print(f"netns: {name} SKIPPED: the kernel has no FTP helper ({e.stderr.strip()})")
            continue
        for server in servers.SERVERS:
            if a.only and server != a.only:
                continue
            c = Check()
            c.note = ""
            opts = servers.Options(listen=SERVER_IP, port=21, pasv_ports=PASV_PORTS,
                                   prefix=["ip", "netns", "exec", NS["srv"]], **extra)
            t0 = time.monotonic()
            report = None
            try:
                s = servers.start(server, cache, opts)
                try:
                    report = check(c, a.bin, server, s.ca)
                finally:
                    s.stop()
            except (AssertionError, RuntimeError, KeyError, TypeError, StopIteration,
                    OSError, subprocess.SubprocessError) as e:
                c.errors.append(f"{type(e).__name__}: {e}")
            took = time.monotonic() - t0
            record(a.results, "netns", server, name, c.errors, report)
            verdict = "FAIL" if c.errors else "ok"
            extra_note = f"; {c.note}" if c.note else ""
            print(f"netns: {server:9} {name:20} {verdict} ({took:.1f} s{extra_note})",
                  flush=True)
            if c.errors:
                failed += 1
                for e in c.errors:
                    print("    " + e, flush=True)
                if report is not None:
                    saved = REPO / "target" / "netns-failures" / f"{server}-{name}.json"
                    saved.parent.mkdir(parents=True, exist_ok=True)
                    saved.write_text(json.dumps(report, indent=2))
                    print(f"    report saved to {saved}", flush=True)
            else:
                passed += 1
    print(f"netns: {passed} passed, {failed} failed in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
