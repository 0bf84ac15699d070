"""Interop stage: ftpdoctor probed against real FTP servers on loopback, asserted from its JSON.

Each server (vsftpd, ProFTPD, Pure-FTPd, pyftpdlib) runs with a throw-away config on
127.0.0.1 and a free port, once per scenario (SCENARIOS below). --capture DIR records each
server's raw replies instead, one reply per file (tools/capture.py).
"""

import socket
import subprocess
import sys

from . import servers
from .reports import ids, lines, mode, status
from .runner import Scenario, Stage

ALL_MODES = ["epsv", "pasv", "eprt", "port"]
PRIVATE = "10.0.0.5"
# Not the control peer and not local-scope: a stale masquerade address (never dialled).
MISMATCH = "198.51.100.7"
README = "ftpdoctor interop test file\n"
# Debian's /etc/ftpusers (proftpd-core), which lists the `nobody` the configs map
# `anonymous` to.
DEBIAN_FTPUSERS = ("root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail",
                   "news", "uucp", "nobody")
# Servers that demand each data connection resume the control connection's TLS session:
# vsftpd require_ssl_reuse (default YES), ProFTPD mod_tls (default, NoSessionReuseRequired off).
REUSE_REQUIRED = {"vsftpd", "proftpd"}
# vsftpd implicit_ssl=YES, ProFTPD TLSOptions UseImplicitSSL.
IMPLICIT = frozenset({"vsftpd", "proftpd"})


def expect_quirks(c, server, report):
    """What each server does (docs/findings.md cites them), seen in a default run's transcript."""
    got = lines(report)
    sent = lines(report, ">")
    if server == "pureftpd":
        banner = [line for line in got if line.startswith("220")]
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
        c.that(any(line.startswith("125 ") for line in got), "pyftpdlib starts transfers with 125")
        c.that("200 Active data connection established." in got,
               "pyftpdlib connects back during PORT/EPRT")
    # Politeness: every session the probe opened ends with QUIT.
    sessions = {t["session"] for t in report["transcript"]}
    quits = {t["session"] for t in report["transcript"] if t["dir"] == ">" and t["line"] == "QUIT"}
    c.that(quits == sessions, f"QUIT sent on {sorted(quits)} of {sorted(sessions)}")
    if server == "vsftpd":
        c.that("200 EPRT command successful. Consider using EPSV." in got,
               "vsftpd's EPRT reply")
        c.that(any(line.startswith("227 Entering Passive Mode (127,0,0,1,") and line.endswith(").")
                   for line in got), "vsftpd's 227 with a trailing dot")


def all_ok(c, p):
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    c.that(r["verdict"] == "ok", f"verdict {r['verdict']}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")


def default(c, ctx):
    p = ctx.probe()
    all_ok(c, p)
    c.that(all(m["transfer"]["command"].startswith("LIST") and m["transfer"]["outcome"] == "ok"
               for m in p.report["modes"]), "every mode LISTed")
    expect_quirks(c, ctx.target, p.report)


def etc_ftpusers(c, ctx):
    # The server sees an /etc/ftpusers listing `nobody`; the configs must not care.
    p = ctx.probe()
    all_ok(c, p)
    c.that(p.report["control"]["login"] == "ok", f"login {p.report['control']['login']}")


def retr(c, ctx):
    p = ctx.probe(path="/pub/readme.txt")
    c.that(p.code == 0, f"exit {p.code}")
    for m in p.report["modes"]:
        t = m["transfer"] or {}
        c.that(t.get("command", "").startswith("RETR") and t.get("bytes") == len(README),
               f"{m['mode']} RETR {t.get('command')} {t.get('bytes')} bytes")


def private_pasv(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    c.that(r["verdict"] == "fail", f"verdict {r['verdict']}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "fail", "eprt": "ok", "port": "ok"}, f"statuses {st}")
    c.that(ids(r, "error") == ["pasv-private-address"], f"errors {ids(r, 'error')}")
    c.that("substitute-address-works" in ids(r, "info", "pasv"), f"infos {ids(r, 'info')}")
    pasv = mode(r, "pasv")
    adv = pasv["advertised"] or {}
    c.that(adv.get("ip") == PRIVATE and adv.get("class") == "private", f"advertised {adv}")
    # The safety rule, on a real server: the private address is reported, never dialled.
    dials = [(d["addr"], d["outcome"]) for d in pasv["dials"]]
    c.that(all(a.startswith("127.0.0.1:") or o == "skipped-policy" for a, o in dials),
           f"dials {dials}")


def mismatch_pasv(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 0, f"exit {p.code} (a warning is under --fail-on error)")
    c.that(r["verdict"] == "warn", f"verdict {r['verdict']}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "warn", "eprt": "ok", "port": "ok"}, f"statuses {st}")
    c.that(ids(r, "warn") == ["pasv-address-mismatch"], f"warnings {ids(r, 'warn')}")
    c.that("substitute-address-works" in ids(r, "info", "pasv"), f"infos {ids(r, 'info')}")


def one_connection(c, ctx):
    p = ctx.probe()
    c.that(p.code == 0, f"exit {p.code}")
    c.that(status(p.report) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(p.report)}")
    c.that(ids(p.report) == ["connection-limit"], f"findings {ids(p.report)}")


def sequential(c, ctx):
    p = ctx.probe(extra=["--sequential"])
    all_ok(c, p)
    sessions = {t["session"] for t in p.report["transcript"]}
    c.that(sessions == {"control"}, f"one control session, saw {sorted(sessions)}")


def tls_auto_plain(c, ctx):
    # The default --tls auto against a server without FTPS: plain FTP goes on; for an
    # anonymous login (no secret crossed) the finding is info and the verdict ok.
    p = ctx.probe(extra=["--tls", "auto"])
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    c.that(r["verdict"] == "ok", f"verdict {r['verdict']}")
    c.that(ids(r, "info") == ["tls-unavailable"], f"findings {ids(r)}")
    c.that(r["control"]["tls"] == "none", f"tls {r['control']['tls']}")
    c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")


def ftps(c, ctx):
    p = ctx.probe(tls=True)
    all_ok(c, p)
    details = p.report["control"].get("tls_details") or {}
    c.that(p.report["control"]["tls"] == "explicit" and details.get("verified") is True
           and details.get("data_protected") is True, f"control TLS {details}")
    for m in p.report["modes"]:
        t = (m["transfer"] or {}).get("tls") or {}
        c.that(t.get("ok") is True, f"{m['mode']} data TLS {t}")


def ftps_one_connection(c, ctx):
    # The fallback to modes in turn, on one TLS connection.
    p = ctx.probe(tls=True)
    c.that(p.code == 0, f"exit {p.code}")
    c.that(p.report["control"]["tls"] == "explicit", f"tls {p.report['control']['tls']}")
    c.that(status(p.report) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(p.report)}")
    c.that(ids(p.report) == ["connection-limit"], f"findings {ids(p.report)}")


def ftps_no_reuse(c, ctx):
    p = ctx.probe(tls=True, extra=["--no-tls-reuse"])
    r = p.report
    if ctx.target in REUSE_REQUIRED:
        c.that(p.code == 1, f"exit {p.code}")
        c.that(status(r) == dict.fromkeys(ALL_MODES, "fail"), f"statuses {status(r)}")
        for m in ALL_MODES:
            found = [f for f in r["findings"] if f["mode"] == m]
            c.that([f["id"] for f in found] == ["tls-handshake-failed"]
                   and "session-reuse" in found[0]["evidence"], f"{m}: {ids(r, mode=m)}")
    else:
        c.that(p.code == 0, f"exit {p.code}")
        c.that(status(r) == dict.fromkeys(ALL_MODES, "ok"), f"statuses {status(r)}")


def ftps_implicit(c, ctx):
    p = ctx.probe(implicit=True)
    all_ok(c, p)
    c.that(p.report["control"]["tls"] == "implicit", f"tls {p.report['control']['tls']}")


def ipv6(c, ctx):
    # On ::1 only the extended modes apply; PASV and PORT carry IPv4 addresses only.
    p = ctx.probe()
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    st = status(r)
    c.that(st == {"epsv": "ok", "pasv": "skipped", "eprt": "ok", "port": "skipped"},
           f"statuses {st}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    c.that(r["control"]["peer"].startswith("[::1]:"), f"peer {r['control']['peer']}")


class Interop(Stage):
    """Real servers on loopback, a free port each, one server per case."""

    name = "interop"
    scenarios = [
        Scenario("default", default),
        Scenario("etc-ftpusers", etc_ftpusers, {"ftpusers": DEBIAN_FTPUSERS}),
        Scenario("retr", retr),
        Scenario("private-pasv", private_pasv, {"pasv_address": PRIVATE}),
        Scenario("mismatch-pasv", mismatch_pasv, {"pasv_address": MISMATCH}),
        Scenario("one-connection", one_connection, {"max_clients": 1}),
        Scenario("sequential", sequential),
        Scenario("tls-auto-plain", tls_auto_plain),
        Scenario("ftps", ftps, {"tls": True}),
        Scenario("ftps-no-reuse", ftps_no_reuse, {"tls": True}),
        Scenario("ftps-one-connection", ftps_one_connection, {"tls": True, "max_clients": 1}),
        Scenario("ftps-implicit", ftps_implicit, {"implicit": True}, only=IMPLICIT),
        Scenario("ipv6", ipv6, {"listen": "::1"}),
    ]

    def setup(self, opts):
        servers.ensure_installed(opts.cache)
        self.missing = missing_abilities()

    def skip(self, target, scenario):
        if (target == "pureftpd" or scenario.server.get("ftpusers")) and self.missing.get("etc"):
            return self.missing["etc"]
        return self.missing.get(scenario.name)

    def start(self, target, scenario, opts):
        return servers.start(target, opts.cache, servers.Options(**scenario.server))

    def address(self, running):
        host = f"[{running.host}]" if ":" in running.host else running.host
        return f"{host}:{running.port}"

    def capture(self, opts):
        """Raw replies of a default session and of a refused second connection."""
        for server in [opts.only] if opts.only else servers.SERVERS:
            label = f"{server}-{servers.VERSIONS[server]}"
            for o, suffix, extra in ((servers.Options(), "", []),
                                     (servers.Options(max_clients=1), "-limit",
                                      ["--extra-connection"])):
                s = servers.start(server, opts.cache, o)
                try:
                    subprocess.run([sys.executable, str(servers.TOOLS / "capture.py"),
                                    "127.0.0.1", str(s.port), str(opts.capture), label + suffix,
                                    *extra], check=True, timeout=60)
                finally:
                    s.stop()


def missing_abilities():
    """What this machine cannot do: a private /etc (Pure-FTPd's `ftp` user, the ftpusers
    scenario) needs a mount namespace with an overlay, the ipv6 scenario needs ::1. A root
    account in a container may lack both; that is said, not failed."""
    missing = {}
    why = servers.can_overlay_etc()
    if why:
        missing["etc"] = f"cannot give a server a private /etc here: {why}"
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        missing["ipv6"] = "no ::1 on this machine"
    return missing


STAGE = Interop()
