"""NAT stage: ftpdoctor through a real Linux NAT router built from network namespaces (nat.py).

Each scenario sets the router up, starts each server in the server namespace, runs
`ftpdoctor probe --format json` in a client namespace and asserts the report.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from . import servers
from .nat import (
    NAT_CLIENT_IP,
    PASV_PORTS,
    PUBLIC_IP,
    ROUTER_INSIDE_IP,
    SERVER_IP,
    NatLab,
    build_or_skip,
    ensure_nft,
)
from .reports import ids, mode, status
from .runner import TIMEOUT_S, Scenario, Skip, Stage

# "About one --timeout": the modes run concurrently, so a blackholed passive range costs one
# timeout, not one per mode; the slack covers process start and login on a loaded 2-core box.
BLOCKED_BUDGET_S = TIMEOUT_S * 1.75
# Servers whose STAT reply names the client address they see (src/proto/stat.rs).
STAT_NAMES_CLIENT = {"vsftpd", "proftpd"}
# Servers whose greeting names their own address (ProFTPD's "[10.77.0.2]").
GREETING_NAMES_SERVER = {"proftpd"}


def nat_source(evidence):
    """Which evidence a client-behind-nat finding rests on, for the case's line."""
    if "STAT" in evidence:
        return "STAT"
    if "answered" in evidence:
        return "the PORT/EPRT refusal"
    return "the address classes" if evidence else "nothing"
MASQ = {"pasv_address": PUBLIC_IP}


def private_pasv(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
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
    # ProFTPD's greeting names its own 10.77.0.2: the server sits behind the NAT.
    behind = [f for f in r["findings"] if f["id"] == "server-behind-nat"]
    if ctx.target in GREETING_NAMES_SERVER:
        c.that(len(behind) == 1 and SERVER_IP in behind[0]["summary"], f"server NAT {behind}")
    else:
        c.that(behind == [], f"no server-behind-nat without the evidence: {behind}")


def follow_advertised(c, ctx):
    # --follow-advertised dials the private address too: the client's namespace has no
    # route to 10.77.0.0/24, so it is unreachable at once, and the substitute still works.
    p = ctx.probe(extra=["--follow-advertised", "--modes", "pasv"])
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    dials = [(d["addr"].rsplit(":", 1)[0], d["why"], d["outcome"])
             for d in mode(r, "pasv")["dials"]]
    c.that(dials == [(SERVER_IP, "advertised", "unreachable"),
                     (PUBLIC_IP, "control-peer-substitute", "connected")], f"dials {dials}")
    want = ["pasv-private-address", "substitute-address-works"]
    if ctx.target in GREETING_NAMES_SERVER:
        want = sorted([*want, "server-behind-nat"])
    c.that(ids(r) == want, f"findings {ids(r)}")


def masquerade(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")
    adv = mode(r, "pasv")["advertised"] or {}
    c.that(adv.get("ip") == PUBLIC_IP, f"advertised {adv}")


def blocked_passive(c, ctx):
    p = ctx.probe()
    r, took = p.report, p.took
    c.that(p.code == 1, f"exit {p.code}")
    for m in ("epsv", "pasv"):
        c.that("data-connect-timeout" in ids(r, "error", m), f"{m}: {ids(r, mode=m)}")
    st = status(r)
    c.that(st["eprt"] == "ok" and st["port"] == "ok", f"active modes unaffected: {st}")
    c.that(took < BLOCKED_BUDGET_S,
           f"probe took {took:.2f} s, more than about one --timeout ({BLOCKED_BUDGET_S:.2f} s)")
    c.note = f"{took:.2f} s"


def nat_client(c, ctx):
    p = ctx.probe(client="nat")
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    st = status(r)
    c.that(st["epsv"] == "ok" and st["pasv"] == "ok", f"passive through the NAT: {st}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["port-rejected"], f"{m}: {ids(r, mode=m)}")
    local = r["control"]["local"]
    c.that(local.startswith(NAT_CLIENT_IP + ":"), f"local {local}")
    # Every server: the strongest evidence each gives. STAT names the client the server
    # sees (vsftpd, ProFTPD), Pure-FTPd's refusal names it ("only to 10.77.0.1"), and
    # otherwise a private client talking to a TEST-NET (public-like) server was translated.
    view = (r["control"].get("server_view") or {}).get("client")
    nat = [f for f in r["findings"] if f["id"] == "client-behind-nat"]
    c.that(len(nat) == 1 and nat[0]["severity"] == "info", f"client-behind-nat {nat}")
    evidence = (nat[0]["summary"] + " " + nat[0]["evidence"]) if nat else ""
    if ctx.target in STAT_NAMES_CLIENT:
        c.that(view == ROUTER_INSIDE_IP, f"STAT's client {view}")
        c.that("STAT" in evidence and ROUTER_INSIDE_IP in evidence, evidence)
    elif ctx.target == "pureftpd":
        c.that(f"only to {ROUTER_INSIDE_IP}" in evidence, evidence)
    else:
        c.that(NAT_CLIENT_IP in evidence and PUBLIC_IP in evidence, evidence)
    c.note = f"client-behind-nat from {nat_source(evidence)}"


def alg_plain(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    adv = mode(r, "pasv")["advertised"] or {}
    # The server says 10.77.0.2; the router's ALG rewrote the plaintext 227 on the way.
    c.that(adv.get("ip") == PUBLIC_IP, f"advertised {adv} (ALG did not rewrite the 227)")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")


def refused_passive(c, ctx):
    p = ctx.probe()
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    for m in ("epsv", "pasv"):
        c.that(ids(r, "error", m) == ["data-connect-refused"], f"{m}: {ids(r, mode=m)}")
    st = status(r)
    c.that(st["eprt"] == "ok" and st["port"] == "ok", f"active modes unaffected: {st}")


def active_blocked(c, ctx):
    p = ctx.probe()
    r, took = p.report, p.took
    c.that(p.code == 1, f"exit {p.code}")
    st = status(r)
    c.that(st["epsv"] == "ok" and st["pasv"] == "ok", f"passive unaffected: {st}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["active-connect-timeout"], f"{m}: {ids(r, mode=m)}")
    c.that(took < BLOCKED_BUDGET_S,
           f"probe took {took:.2f} s, more than about one --timeout ({BLOCKED_BUDGET_S:.2f} s)")
    c.note = f"{took:.2f} s"


def alg_ftps(c, ctx):
    # The router's FTP helper rewrites the plaintext 227 (10.77.0.2 -> 203.0.113.1) but
    # cannot read it inside TLS: the probe's plaintext comparison session shows the rewrite.
    p = ctx.probe(tls=True)
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    c.that(r["control"]["tls"] == "explicit", f"tls {r['control']['tls']}")
    c.that("alg-rewrite" in ids(r, "warn", "pasv"), f"pasv warnings {ids(r, 'warn', 'pasv')}")
    c.that("pasv-private-address" in ids(r, "error", "pasv"), f"pasv {ids(r, mode='pasv')}")
    adv = mode(r, "pasv")["advertised"] or {}
    c.that(adv.get("ip") == SERVER_IP, f"advertised inside TLS {adv}")
    alg = [f for f in r["findings"] if f["id"] == "alg-rewrite" and f["mode"] == "pasv"]
    c.that(alg and PUBLIC_IP in alg[0]["summary"], f"alg-rewrite names the rewritten {PUBLIC_IP}")


def alg_ftps_nat_client(c, ctx):
    # Behind the masquerade the helper rewrites the plaintext PORT/EPRT to the router's
    # address, so the server accepts it there and refuses the same command inside TLS.
    p = ctx.probe(tls=True, client="nat")
    r = p.report
    c.that(p.code == 1, f"exit {p.code}")
    for m in ("eprt", "port"):
        c.that(ids(r, "error", m) == ["port-rejected"], f"{m}: {ids(r, mode=m)}")
        c.that(ids(r, "warn", m) == ["alg-rewrite"], f"{m} warnings {ids(r, 'warn', m)}")


def ftps_masquerade(c, ctx):
    p = ctx.probe(tls=True)
    r = p.report
    c.that(p.code == 0, f"exit {p.code}")
    c.that(status(r) == dict.fromkeys(["epsv", "pasv", "eprt", "port"], "ok"),
           f"statuses {status(r)}")
    c.that(ids(r, "error") == [] and ids(r, "warn") == [], f"findings {ids(r)}")


class Netns(Stage):
    """Every scenario against every server, through the NAT router."""

    name = "netns"
    scenarios = [
        Scenario("private-pasv", private_pasv),
        Scenario("follow-advertised", follow_advertised),
        Scenario("masquerade", masquerade, MASQ),
        Scenario("blocked-passive", blocked_passive, MASQ, {"drop_passive": True}),
        Scenario("refused-passive", refused_passive, MASQ, {"drop_passive": "reject"}),
        Scenario("active-blocked", active_blocked, MASQ, {"drop_active": True}),
        Scenario("nat-client", nat_client, MASQ),
        Scenario("alg-plain", alg_plain, env={"helper": True}),
        Scenario("ftps-masquerade", ftps_masquerade, {**MASQ, "tls": True}),
        Scenario("alg-ftps", alg_ftps, {"tls": True}, {"helper": True}),
        Scenario("alg-ftps-nat-client", alg_ftps_nat_client, {**MASQ, "tls": True},
                 {"helper": True}),
    ]

    def __init__(self):
        self.lab = NatLab()

    def setup(self, opts):
        build_or_skip(self.lab)
        # From here on the lab exists, so a router that cannot be configured is a failure.
        ensure_nft()
        self.lab.router()
        servers.ensure_installed(opts.cache)

    def teardown(self):
        self.lab.teardown()

    def prepare(self, scenario):
        try:
            self.lab.router(**scenario.env)
        except subprocess.CalledProcessError as e:
            if not scenario.env.get("helper"):
                raise
            # The FTP helper needs nf_conntrack_ftp in the kernel; without it the scenario
            # cannot be built, which says nothing about ftpdoctor.
            raise Skip(f"the kernel has no FTP helper: {e.stderr.strip()}") from e

    def start(self, target, scenario, opts):
        return servers.start(target, opts.cache, self._options(scenario.server))

    def _options(self, extra):
        return servers.Options(listen=SERVER_IP, port=21, pasv_ports=PASV_PORTS,
                               prefix=self.lab.prefix("srv"), **extra)

    def address(self, running):
        return PUBLIC_IP

    def client_prefix(self, client):
        return self.lab.prefix(client or "cli")

    def capture(self, opts):
        """The replies that only the router shows, added to the loopback capture's."""
        for scenario in self.scenarios:
            if scenario.name not in CAPTURES:
                continue
            suffix, cases, client = CAPTURES[scenario.name]
            self.lab.router(**scenario.env)
            for server in servers.SERVERS:
                if opts.only and server != opts.only:
                    continue
                label = f"{server}-{servers.VERSIONS[server]}-{suffix}"
                s = servers.start(server, opts.cache, self._options(scenario.server))
                tmp = Path(tempfile.mkdtemp(prefix="ftpdoctor-capture-"))
                try:
                    self.lab.sh(sys.executable, str(servers.TOOLS / "capture.py"), PUBLIC_IP,
                                "21", str(tmp), label, ns=client, timeout=60)
                    for case in cases:
                        shutil.copy(tmp / f"{label}-{case}.txt",
                                    opts.capture / f"{label}-{case}.txt")
                    print(f"netns: captured {label}: {', '.join(cases)}")
                finally:
                    s.stop()
                    shutil.rmtree(tmp, ignore_errors=True)


# Which replies of capture.py's session each scenario adds to the fixtures (the rest repeat
# the loopback capture): scenario -> (label suffix, cases, client namespace)
CAPTURES = {
    "private-pasv": ("nat-private", ["banner", "pasv"], "cli"),
    "alg-plain": ("nat-alg", ["pasv"], "cli"),
    "nat-client": ("nat-client", ["stat", "eprt", "port"], "nat"),
}

STAGE = Netns()
