"""The netns-paths stage: long and large transfers through a real Linux router (paths.py).

- mtu-hole: the probe of /pub/ lists fine, then its full-size check stalls on the 1 MiB file
  and passes with a lowered MSS (`mtu-blackhole`); curl and lftp really hang on that file, as
  the client matrix predicts. mtu-icmp and mtu-clamp are the controls: the same bottleneck
  with the router's ICMP let through, or the MSS clamped on the router, and no finding.
- idle-reset, idle-silent: `--idle` on a router that forgets idle flows reports
  `control-idle-timeout` with what survived, what was lost and how.
- idle-transfer: a paced download longer than that idle timeout (vsftpd `anon_max_rate`):
  curl and lftp really get every byte and then wait for a 226 that never comes, as the
  finding says; curl with `--keepalive-time` below the timeout gets it (docs/clients.md).
"""

from __future__ import annotations

import subprocess
import time

from . import servers
from .clients import CACHE as CLIENTS_CACHE
from .clients import ClientStage, Fetch, run_all
from .nat import PASV_PORTS, PUBLIC_IP, SERVER_IP, build_or_skip, ensure_nft
from .paths import CONNTRACK, MTU_HOLE, PathLab, host_conntrack
from .pool import ensure_packages
from .reports import ids, status
from .runner import Scenario, Skip, Stage

# The clients the issue names, run for real against the large file.
PROFILES = ["curl", "lftp"]
# What the stage installs when missing: command -> Debian package.
PACKAGES = {"nft": "nftables", "curl": "curl", "lftp": "lftp"}
# A client still running after this long is "hanging": a stalled transfer never moves again,
# and the large file takes well under a second when the path is whole.
CAP_S = 6.0
BIG = "big.bin"
# Full-size segments for a while: four times the probe's 256 KiB read.
BIG_BYTES = 1 << 20
SERVE_BIG = {"pasv_address": PUBLIC_IP, "files": {BIG: BIG_BYTES}}
# The paced download: 1 MiB at 160 KiB/s takes about 6.4 s, twice IDLE_FORGET_S.
PACED_RATE = 160 * 1024
PACED_S = BIG_BYTES / PACED_RATE
# What the clients get to finish the paced download and its 226 if it comes.
PACED_CAP_S = PACED_S + 5.0
# --idle D: the connections idle D, D/2 … D/128; 8 s puts IDLE_FORGET_S between 2 and 4 s.
IDLE_ASK = "8s"
IDLE_EXPECT = (2.0, 4.0)


def mtu_hole(c, ctx):
    """The black hole: modes ok, the size check stalls at full size and passes lowered."""
    ctx.stage.verify(c, ctx, f"mtu-hole/{ctx.target}", [], "cli", None, PUBLIC_IP, 21,
                     probe_path="/pub/", fetch_path=f"/pub/{BIG}")
    r = ctx.probes[-1].report
    st = status(r)
    c.that(set(st.values()) == {"ok"}, f"the listings fit in small packets: {st}")
    c.that(ids(r, "error") == ["mtu-blackhole"], f"errors {ids(r, 'error')}")
    sc = r.get("size_check") or {}
    c.that(sc.get("outcome") == "stalled" and sc.get("stalled_at_bytes") == 0,
           f"size_check {sc}")
    tries = sc.get("tries") or []
    worked = [t for t in tries if t["outcome"] == "ok"]
    c.that(tries and tries[0]["outcome"] == "stalled" and worked,
           f"stalled at full size, passed lowered: {tries}")
    if worked:
        mss = worked[0]["mss_read_back"]
        c.that(mss is not None and mss + 40 <= MTU_HOLE, f"the MSS that worked {mss}")
        c.note += f"; stalled at MSS {tries[0]['mss_read_back']}, passed at {mss}"


def mtu_fixed(c, ctx):
    """A control: the same bottleneck, fixed on the router; the size check passes."""
    ctx.stage.verify(c, ctx, f"{ctx.scenario.name}/{ctx.target}", [], "cli", None, PUBLIC_IP,
                     21, probe_path="/pub/", fetch_path=f"/pub/{BIG}")
    r = ctx.probes[-1].report
    c.that(ids(r, "error") == [] and "mtu-blackhole" not in ids(r), f"findings {ids(r)}")
    sc = r.get("size_check") or {}
    c.that(sc.get("outcome") == "ok" and sc.get("path") == f"pub/{BIG}", f"size_check {sc}")
    c.note += f"; size check ok at MSS {(sc.get('mss_read_back') or [None])[0]}"


def idle_probe(c, ctx, how: str):
    p = ctx.probe(extra=["--idle", IDLE_ASK, "--size-check", "off"])
    r = p.report
    idle = r.get("idle") or {}
    got = (idle.get("survived_s"), idle.get("lost_s"), idle.get("how"))
    c.that(got == (*IDLE_EXPECT, how), f"idle {got}, expected {(*IDLE_EXPECT, how)}")
    c.that(ids(r, "warn") == ["control-idle-timeout"], f"warnings {ids(r, 'warn')}")
    c.that(set(status(r).values()) == {"ok"}, f"the modes themselves work: {status(r)}")
    raw = [t["error"] for t in idle.get("tries", []) if "os error" in (t.get("error") or "")]
    c.that(not raw, f"the losses in the record's words, not the system's: {raw}")
    c.note = f"survived {got[0]} s, lost {got[1]} s, {got[2]}; probe {p.took:.1f} s"
    return r


def idle_reset(c, ctx):
    idle_probe(c, ctx, "reset")


def idle_silent(c, ctx):
    idle_probe(c, ctx, "silent")


def idle_transfer(c, ctx):
    """The paced download outlives the idle timeout: every byte, then no 226."""
    r = idle_probe(c, ctx, "silent")
    lost = (r.get("idle") or {}).get("lost_s") or 0
    c.that(0 < lost < PACED_S, f"lost after {lost} s, the transfer takes {PACED_S:.1f} s")
    stage = ctx.stage
    case = stage.work / f"idle-transfer-{ctx.target}"
    case.mkdir(exist_ok=True)
    fetch = Fetch(PUBLIC_IP, 21, f"pub/{BIG}", None, CLIENTS_CACHE, case / "home", case)
    # Keepalive probes below the path's idle timeout keep the flow known (docs/clients.md):
    # the same download with them, beside the clients with their defaults.
    kept = subprocess.Popen(
        [*stage.lab.prefix("cli"), "curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}",
         "--keepalive-time", "1", "--max-time", f"{PACED_CAP_S:.0f}",
         f"ftp://{PUBLIC_IP}/pub/{BIG}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        seen = run_all(PROFILES, fetch, PACED_CAP_S, stage.lab.prefix("cli"))
        out, err = kept.communicate(timeout=PACED_CAP_S + 5)
    finally:
        if kept.poll() is None:
            kept.kill()
            kept.communicate()
    for profile, o in seen.items():
        got = case / f"{profile}.out"
        size = got.stat().st_size if got.is_file() else 0
        c.that(o.outcome == "hangs" and size == BIG_BYTES,
               f"{profile}: every byte and then no 226: {o.outcome}, {size} bytes, {o.detail}")
    c.that(kept.returncode == 0 and out.strip() == str(BIG_BYTES),
           f"curl --keepalive-time 1: exit {kept.returncode} {out} {err}")
    c.note += (f"; curl {seen['curl'].outcome}, lftp {seen['lftp'].outcome} with all bytes;"
               f" curl --keepalive-time 1 exit {kept.returncode}")


def long_listing(c, ctx):
    """A directory whose listing is longer than the size check reads of one (256 KiB): its
    whole lines are parsed, and the check fetches the file on a fresh session."""
    p = ctx.probe(extra=["--sequential"])
    r = p.report
    sc = r.get("size_check") or {}
    fetched = sc.get("outcome") == "ok" and sc.get("path") == f"pub/{BIG}"
    if ctx.target == "vsftpd":
        # LIST, sorted by name: the large file comes first.
        c.that(fetched, f"size_check {sc}")
    else:
        # MLSD in the directory's own order: the large file may lie past the cut, and the
        # reason must then say that only part of the listing was read.
        why = sc.get("skipped_why") or ""
        c.that(fetched or "first 256 KiB" in why, f"size_check {sc}")
    c.that(ids(r, "error") == [], f"errors {ids(r, 'error')}")
    c.note = f"size check {sc.get('outcome')}: {sc.get('path') or sc.get('skipped_why')}"


# Files enough for a listing over 256 KiB (each `ls -l` line is about 60 bytes), named to
# sort after the large file.
MANY_FILES = {f"zz-{i:05}.txt": 1 for i in range(5000)}
VSFTPD = frozenset({"vsftpd"})


class NetnsPaths(ClientStage, Stage):
    """An MTU hole and a forgetful router in front of vsftpd and ProFTPD."""

    name = "netns-paths"
    targets = ["vsftpd", "proftpd"]
    scenarios = [
        Scenario("mtu-hole", mtu_hole, SERVE_BIG, {"router": "mtu", "icmp": "drop"}),
        Scenario("mtu-icmp", mtu_fixed, SERVE_BIG, {"router": "mtu", "icmp": "allow"}),
        Scenario("mtu-clamp", mtu_fixed, SERVE_BIG, {"router": "mtu", "icmp": "clamp"}),
        Scenario("long-listing", long_listing,
                 {**SERVE_BIG, "files": {BIG: BIG_BYTES, **MANY_FILES}}, {"router": "plain"}),
        Scenario("idle-reset", idle_reset, {"pasv_address": PUBLIC_IP},
                 {"router": "idle", "rst": True}),
        Scenario("idle-silent", idle_silent, {"pasv_address": PUBLIC_IP},
                 {"router": "idle", "rst": False}),
        Scenario("idle-transfer", idle_transfer, {**SERVE_BIG, "max_rate": PACED_RATE},
                 {"router": "idle", "rst": False}, only=VSFTPD),
    ]

    def __init__(self):
        super().__init__()
        self.lab = PathLab()
        self.profiles = PROFILES
        self.cap = CAP_S
        self.host_before: dict[str, str] = {}

    def setup(self, opts):
        build_or_skip(self.lab)
        ensure_nft()
        ensure_packages(PACKAGES)
        servers.ensure_installed(opts.cache)
        self.make_work()
        self.host_before = host_conntrack()

    def teardown(self):
        self.lab.teardown()
        self.remove_work()

    def prepare(self, scenario):
        env = scenario.env
        try:
            if env["router"] == "plain":
                self.lab.plain()
            elif env["router"] == "mtu":
                self.lab.mtu_hole(env["icmp"])
            else:
                self.lab.idle(rst=env["rst"])
        except subprocess.CalledProcessError as e:
            raise Skip(f"the router cannot be set up: {e.stderr.strip()}") from e
        # Let the conntrack entries of the last scenario's flows go with its settings.
        time.sleep(0.1)

    def start(self, target, scenario, opts):
        # Each case learns the path afresh: a path MTU the last case's ICMP taught the server
        # would pass the next case's size check without any discovery.
        for ns in ("srv", "cli"):
            self.lab.sh("ip", "route", "flush", "cache", ns=ns)
        return servers.start(target, opts.cache, servers.Options(
            listen=SERVER_IP, port=21, pasv_ports=PASV_PORTS, prefix=self.lab.prefix("srv"),
            **scenario.server))

    def address(self, running):
        return PUBLIC_IP

    def client_prefix(self, client):
        return self.lab.prefix(client or "cli")

    def summary(self):
        super().summary()
        after = host_conntrack()
        moved = {k: (v, after.get(k)) for k, v in self.host_before.items() if after.get(k) != v}
        print(f"netns-paths: the router's conntrack settings stayed in its namespace"
              f" (host {after or 'has no conntrack'})" if not moved else
              f"netns-paths: the host's conntrack settings moved: {moved}", flush=True)
        if moved:
            for name, (value, _) in moved.items():
                (CONNTRACK / name).write_text(value)
            raise SystemExit("netns-paths: conntrack settings leaked to the host (restored)")


STAGE = NetnsPaths()
