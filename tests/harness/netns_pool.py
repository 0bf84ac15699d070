"""The netns-pool stage: who really made the data connection (pool.py's settings).

For each setting and server: probe with `--clients curl,lftp,ftplib`, run those real
clients in the same namespace with a hard cap, and assert the findings and that each client
did what the report predicted. The proxy cases run each proxy from Debian against vsftpd.
"""

from __future__ import annotations

import subprocess

from . import servers
from .clients import PATH, ClientStage
from .nat import PASV_PORTS, PUBLIC_IP, SERVER_IP, build_or_skip, ensure_nft
from .pool import POOL_IPS, PoolLab, Proxy, ensure_packages, start_pair
from .reports import ids, mode, status
from .runner import Scenario, Stage

# The clients the issue names: the ones users compare us with, each run for real.
PROFILES = ["curl", "lftp", "ftplib"]
# A client still running after this long is "hanging": above lftp's second try in the same
# session, far below every client's own default timeout.
CAP_S = 10.0
# Servers that name the client's address in STAT or in a PORT/EPRT refusal.
NAMES_CLIENT = {"vsftpd", "proftpd", "pureftpd"}
# What each server does with a passive data connection from the other address, as measured
# here: vsftpd `425 Security: Bad IP connecting.`, pyftpdlib `425 Rejected data connection
# from foreign address ...`, ProFTPD 1.3.8 `425 Unable to build data connection: Permission
# denied` (AllowForeignAddress off), Pure-FTPd accepts the TCP connection and never answers.
REJECTS = {"vsftpd": "425", "pyftpdlib": "425", "pureftpd": "silence", "proftpd": "425"}


def pool_probe(c, ctx):
    """The NAT pool: the server sees this client from two addresses."""
    # Concurrent (the default): each session's STAT, or its PORT/EPRT refusal, names the
    # address it came from. pyftpdlib names neither (its STAT shows its own address).
    p = ctx.probe(client="nat")
    r = p.report
    seen = stat_addresses(r)
    if ctx.target in NAMES_CLIENT:
        c.that("egress-address-varies" in ids(r), f"egress-address-varies: {ids(r)}")
    # One session (--sequential): the data connections leave from the other address than
    # the control connection, and the server says so in its 425. Pure-FTPd says nothing.
    q = ctx.probe(extra=["--sequential", "--modes", "epsv,pasv"], client="nat")
    found = ids(q.report)
    c.that(q.code == 1, f"exit {q.code}")
    if REJECTS[ctx.target] == "425":
        c.that("data-source-rejected" in found, f"data-source-rejected: {found}")
        c.that("egress-address-varies" in ids(q.report, "error"), f"as an error: {found}")
    c.note = (f"concurrent {','.join(ids(r, 'warn')) or '-'}; sequential "
              f"{','.join(found) or '-'}; STAT saw {','.join(seen) or '-'}")


def stat_addresses(r) -> list[str]:
    """Every client address the server named in a STAT of the transcript."""
    out = []
    for t in r.get("transcript", []):
        for ip in POOL_IPS:
            if t["dir"] == "<" and ip in t["line"] and ("Connected" in t["line"]):
                out.append(ip)
    return sorted(set(out))


def lb_probe(c, ctx):
    """The load balancer: data connections land on the other backend half the time."""
    p = ctx.probe(extra=["--sequential", "--modes", "epsv,pasv"])
    r = p.report
    found = ids(r)
    c.that(p.code == 1, f"exit {p.code}")
    c.that(any(status(r)[m] == "fail" for m in ("epsv", "pasv")), f"statuses {status(r)}")
    c.that("partial-range" not in found, f"a load balancer is no partly blocked range: {found}")
    dials = [d["outcome"] for m in ("epsv", "pasv") for d in mode(r, m)["dials"]]
    c.note = f"findings {','.join(found) or '-'}; dials {','.join(dials)}"


def clients_case(name: str, client: str, host: str, server: dict, env: dict) -> Scenario:
    def check(c, ctx):
        ctx.stage.verify(c, ctx, f"{name}/{ctx.target}", ["--sequential"], client, None,
                         host, 21)

    # pyftpdlib is left out: after its 425 to the first data connection, its reply to the
    # next PASV in the same session is a 150 (the session is out of step), so the probe
    # reports control-failed and predicts lftp hangs, while lftp reconnects and gets the
    # file. A known gap of the single-session view, not yet settled.
    return Scenario(f"{name}-clients", check, server, env,
                    only=frozenset({"vsftpd", "proftpd", "pureftpd"}) if name == "pool" else None)


def proxy_case(kind: str, check_fn) -> Scenario:
    return Scenario(f"proxy-{kind}", check_fn, {}, {"proxy": kind},
                    only=frozenset({"vsftpd"}))


def curl_through(ctx, proxy: Proxy, active=False) -> subprocess.CompletedProcess:
    """curl fetching the file through the proxy from the client namespace, hard-capped."""
    lab = ctx.stage.lab
    extra = ["-P", "-"] if active else []
    tunnel = ["-p"] if proxy.url.startswith("http") else []
    cmd = ["curl", "-sS", "-o", "/dev/null", "--max-time", str(int(CAP_S)), *tunnel,
           "-x", proxy.url, *extra, f"ftp://{SERVER_IP}{PATH}"]
    return lab.sh(*cmd, ns="cli", check=False, timeout=CAP_S + 5)


NO_INBOUND = {"eprt": "proxy-no-inbound", "port": "proxy-no-inbound"}


def proxy_http_all_ports(c, ctx):
    got = curl_through(ctx, ctx.stage.proxy)
    c.that(got.returncode == 0, f"curl through tinyproxy with the passive range: {got.stderr}")
    probe_through(c, ctx, expect_ok=["epsv", "pasv"], expect_skipped=NO_INBOUND, bind="unsupported")


def proxy_http_only_21(c, ctx):
    got = curl_through(ctx, ctx.stage.proxy)
    c.that(got.returncode != 0 and "403" in got.stderr,
           f"curl through tinyproxy with ConnectPort 21 only: exit {got.returncode} {got.stderr}")
    r = probe_through(c, ctx, expect_fail={"epsv": "proxy-blocks-data-port",
                                           "pasv": "proxy-blocks-data-port"},
                      expect_skipped=NO_INBOUND)
    if r is not None:
        c.that(not ids(r, "error", None), f"the control connection went through: {ids(r)}")


def proxy_socks_bind(c, ctx):
    got = curl_through(ctx, ctx.stage.proxy)
    c.that(got.returncode == 0, f"curl through dante: {got.stderr}")
    r = probe_through(c, ctx, expect_ok=["epsv", "pasv"], bind="supported")
    if r is None:
        return
    st = status(r)
    for m in ("eprt", "port"):
        # Active through dante's BIND works, or a finding of that mode says why.
        c.that(st[m] in ("ok", "warn") or ids(r, "error", m), f"{m} through dante: {st} {ids(r)}")


def proxy_socks_no_bind(c, ctx):
    got = curl_through(ctx, ctx.stage.proxy)
    c.that(got.returncode == 0, f"curl through microsocks: {got.stderr}")
    probe_through(c, ctx, expect_ok=["epsv", "pasv"], warn="proxy-no-bind",
                  expect_skipped={"eprt": "proxy-no-bind", "port": "proxy-no-bind"},
                  bind="unsupported")


def probe_through(c, ctx, expect_ok=(), expect_fail=None, warn=None, expect_skipped=None,
                  bind=None):
    """The probe through the proxy."""
    if not ctx.stage.has_proxy_flag:
        c.that(False, "`probe --help` names no --proxy")
        return None
    stage = ctx.stage
    p = ctx.probe(path=PATH, extra=["--proxy", stage.proxy.url, "--modes", "epsv,pasv,eprt,port"],
                  client="cli")
    r = p.report
    st = status(r)
    proxy = r["control"].get("proxy") or {}
    c.that(proxy.get("url") == stage.proxy.url, f"control.proxy: {proxy}")
    if bind:
        c.that(proxy.get("bind") == bind, f"control.proxy.bind: {proxy}")
    for m in expect_ok:
        c.that(st[m] in ("ok", "warn"), f"{m} through {stage.proxy.kind}: {st}")
    for m, fid in (expect_fail or {}).items():
        c.that(fid in ids(r, "error", m), f"{m}: {ids(r, mode=m)}")
    for m, why in (expect_skipped or {}).items():
        skipped = mode(r, m).get("skipped") or ""
        c.that(st[m] == "skipped" and skipped.startswith(why), f"{m}: {st[m]} {skipped!r}")
    if warn:
        c.that(warn in ids(r, "warn"), f"{warn}: {ids(r)}")
    c.note = f"statuses {st}; bind {proxy.get('bind')}"
    return r


class NetnsPool(ClientStage, Stage):
    """The NAT pool, the load balancer and the proxies against the real servers."""

    name = "netns-pool"
    scenarios = [
        Scenario("pool", pool_probe, {}, {"router": "pool"}),
        clients_case("pool", "nat", SERVER_IP, {}, {"router": "pool"}),
        Scenario("lb", lb_probe, {"pasv_address": PUBLIC_IP}, {"router": "lb"}),
        clients_case("lb", "cli", PUBLIC_IP, {"pasv_address": PUBLIC_IP}, {"router": "lb"}),
        proxy_case("tinyproxy", proxy_http_all_ports),
        proxy_case("tinyproxy-21", proxy_http_only_21),
        proxy_case("dante", proxy_socks_bind),
        proxy_case("microsocks", proxy_socks_no_bind),
    ]

    def __init__(self):
        super().__init__()
        self.lab = PoolLab()
        self.profiles = PROFILES
        self.cap = CAP_S
        self.proxy: Proxy | None = None
        self.has_proxy_flag = False
        # The address the clients dial in the current scenario.
        self.host = SERVER_IP
        self.router = None

    def setup(self, opts):
        build_or_skip(self.lab)
        ensure_nft()
        ensure_packages()
        servers.ensure_installed(opts.cache)
        self.make_work()
        help_text = subprocess.run([str(opts.bin), "probe", "--help"], capture_output=True,
                                   text=True, timeout=30).stdout
        self.has_proxy_flag = "--proxy" in help_text

    def teardown(self):
        self._stop_proxy()
        self.lab.teardown()
        self.remove_work()

    def prepare(self, scenario):
        self._stop_proxy()
        router = scenario.env.get("router")
        self.router = router
        self.host = PUBLIC_IP if router == "lb" else SERVER_IP
        if router == "pool":
            self.lab.pool()
        elif router == "lb":
            self.lab.balancer()
        else:
            self.lab.plain()

    def start(self, target, scenario, opts):
        if scenario.env.get("router") == "lb":
            return start_pair(target, opts.cache, lambda ns, ip=SERVER_IP: self._options(
                ns, ip, scenario.server))
        running = servers.start(target, opts.cache, self._options("srv", SERVER_IP,
                                                                  scenario.server))
        kind = scenario.env.get("proxy")
        if kind:
            try:
                self.proxy = Proxy(kind, self.lab)
            except BaseException:
                running.stop()
                raise
        return running

    def _options(self, ns, ip, extra):
        return servers.Options(listen=ip, port=21, pasv_ports=PASV_PORTS,
                               prefix=self.lab.prefix(ns), **extra)

    def _stop_proxy(self):
        if self.proxy:
            self.proxy.stop()
            self.proxy = None

    def at_once(self, target):
        """One client at a time behind the NAT pool: its `numgen inc` counter is shared by
        every flow, so two clients at once interleave and a client's data connection may leave
        from its control connection's address by chance (a 'fails' then works). Alone, each
        client's connections alternate, as one client behind such a pool sees them."""
        return 1 if self.router == "pool" else len(self.profiles)

    def address(self, running):
        return self.host

    def client_prefix(self, client):
        return self.lab.prefix(client or "cli")


STAGE = NetnsPool()
