#!/usr/bin/env python3
"""The inspect stage: `ftpdoctor inspect` against real parts, in network namespaces of its own.

- real nftables rulesets (fixtures/inspect/nft/*.nft) loaded in the server namespace and read
  back with `nft -j list ruleset`; the same for iptables rules (iptables-restore, then
  iptables-save, and the iptables-nft `xt` statements nft shows for them);
- the router's DNAT ruleset in the router namespace;
- Debian's own vsftpd.conf, proftpd.conf and /etc/pure-ftpd/conf, and the configs the real
  servers run with (tests/harness/servers.py writes them);
- discovery inside the server namespace with a real vsftpd listening on 21;
- an outside probe through the NAT router whose forward chain drops the passive range, read
  back with `inspect --with`: the server's own firewall accepts the range, so the timeout
  contradicts it.

usage: tests/inspect/run.py --bin BIN     exit 0 all passed, 1 a failure, 3 cannot run here
"""

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import servers, state  # noqa: E402
from harness.nat import PASV_PORTS, PUBLIC_IP, SERVER_IP, NatLab, ensure_nft  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIX = REPO / "fixtures" / "inspect"
LO, HI = PASV_PORTS
# Each ruleset fixture and the firewall findings inspect must give for a vsftpd whose range
# is 30000-30099 (fixtures/inspect/vsftpd/good.conf).
NFT_CASES = {
    "range-open": set(),
    "range-closed": {"firewall-passive-range-closed"},
    "helper-missing": {"firewall-helper-missing"},
    "helper-prio": {"firewall-helper-missing"},
    "helper-on": set(),
    "mark": set(),
}
IPT_CASES = {
    "range-open": set(),
    "range-closed": {"firewall-passive-range-closed"},
    "helper-missing": {"firewall-helper-missing"},
    "helper-on": set(),
}
FIREWALL_IDS = {"firewall-passive-range-closed", "firewall-helper-missing"}


class Tally:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"inspect: ok    {name}", flush=True)
        else:
            self.failed += 1
            print(f"inspect: FAIL  {name}: {detail}"[:2000], flush=True)


def inspect(lab, binary, ns, *args):
    """`ftpdoctor inspect ... --format json` inside `ns` (or on the host): (exit code, report)."""
    cmd = (lab.prefix(ns) if ns else []) + [str(binary), "inspect", *args, "--format", "json"]
    got = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    try:
        return got.returncode, json.loads(got.stdout)
    except json.JSONDecodeError:
        return got.returncode, {"error": got.stderr[-800:], "findings": [], "sources": []}


def ids(report):
    return {f["id"] for f in report.get("findings", [])}


def dump(lab, ns, work, name, *cmd):
    path = work / name
    path.write_text(lab.sh(*cmd, ns=ns).stdout)
    return path


def rulesets(t, lab, binary, work):
    conf = FIX / "vsftpd" / "good.conf"
    for name, want in NFT_CASES.items():
        lab.sh("nft", "flush", "ruleset", ns="srv")
        lab.sh("nft", "-f", str(FIX / "nft" / f"{name}.nft"), ns="srv")
        path = dump(lab, "srv", work, f"nft-{name}.json", "nft", "-j", "list", "ruleset")
        _, report = inspect(lab, binary, "srv", "--config", str(conf), "--ruleset", str(path))
        got = ids(report) & FIREWALL_IDS
        t.check(
            f"nft {name}: {sorted(want) or 'no firewall finding'}", got == want, f"{got} {report}"
        )
        if name == "mark":
            notes = " ".join(" ".join(s.get("notes", [])) for s in report["sources"])
            t.check("nft mark: the range is unknown, said in a note", "cannot tell" in notes, notes)
    lab.sh("nft", "flush", "ruleset", ns="srv")
    for name, want in IPT_CASES.items():
        lab.sh("nft", "flush", "ruleset", ns="srv")
        lab.sh("iptables-restore", str(FIX / "iptables" / f"{name}.rules"), ns="srv")
        path = dump(lab, "srv", work, f"ipt-{name}.rules", "iptables-save")
        _, report = inspect(lab, binary, "srv", "--config", str(conf), "--ruleset", str(path))
        got = ids(report) & FIREWALL_IDS
        t.check(
            f"iptables-save {name}: {sorted(want) or 'no firewall finding'}",
            got == want,
            f"{got} {report}",
        )
        if name == "range-closed":
            nft = dump(lab, "srv", work, "ipt-as-nft.json", "nft", "-j", "list", "ruleset")
            _, report = inspect(lab, binary, "srv", "--config", str(conf), "--ruleset", str(nft))
            notes = " ".join(" ".join(s.get("notes", [])) for s in report["sources"])
            t.check(
                "iptables-nft rules in nft -j are opaque xt statements, said",
                "iptables-save" in notes,
                notes or report,
            )
    lab.sh("nft", "flush", "ruleset", ns="srv")


def router(t, lab, binary, work):
    lab.sh("nft", "-f", str(FIX / "nft" / "router-dnat.nft"), ns="rtr")
    path = dump(lab, "rtr", work, "router.json", "nft", "-j", "list", "ruleset")
    _, report = inspect(
        lab, binary, "rtr", "--config", str(FIX / "vsftpd" / "good.conf"), "--ruleset", str(path)
    )
    f = [f for f in report["findings"] if f["id"] in FIREWALL_IDS]
    t.check(
        "router DNAT: the range is DNATed, then only related passes forward",
        len(f) == 1 and "forward path" in f[0]["evidence"],
        report,
    )
    lab.router(drop_passive=True)
    path = dump(lab, "rtr", work, "router-lab.json", "nft", "-j", "list", "ruleset")
    cfg = work / "range.conf"
    cfg.write_text(f"pasv_min_port={LO}\npasv_max_port={HI}\npasv_address={PUBLIC_IP}\n")
    _, report = inspect(lab, binary, "rtr", "--config", str(cfg), "--ruleset", str(path))
    t.check(
        "router dropping the forwarded range: firewall-passive-range-closed",
        "firewall-passive-range-closed" in ids(report),
        report,
    )


def debian_configs(t, binary, cache):
    root = cache / "root"
    vs = root / "vsftpd" / "etc" / "vsftpd.conf"
    _, r = inspect(None, binary, None, "--config", str(vs))
    t.check(
        "Debian's vsftpd.conf: read, every setting known, no passive range",
        r["sources"][0]["read"]
        and "config-unknown-setting" not in ids(r)
        and "config-no-passive-range" in ids(r),
        r,
    )
    # Debian's proftpd.conf is a template its postinst copies to /etc/proftpd.
    pro = next(root.glob("proftpd-core/usr/share/proftpd/templates/proftpd.conf"), None)
    if pro:
        _, r = inspect(None, binary, None, "--config", str(pro))
        t.check(
            "Debian's proftpd.conf: read, no likely typo",
            r["sources"][0]["read"] and "config-unknown-setting" not in ids(r),
            r,
        )
        for extra in sorted(pro.parent.glob("*.conf")):
            _, r = inspect(None, binary, None, "--config", str(extra))
            t.check(
                f"Debian's proftpd {extra.name}: read as ProFTPD, no likely typo",
                r["sources"][0]["kind"] == "proftpd" and "config-unknown-setting" not in ids(r),
                r,
            )
    for example in sorted(
        (root / "vsftpd" / "usr/share/doc/vsftpd/examples").glob("*/vsftpd.conf")
    ):
        _, r = inspect(None, binary, None, "--config", str(example))
        t.check(
            f"vsftpd's example {example.parent.name}: every setting known",
            "config-unknown-setting" not in ids(r) and not r["sources"][0]["error"],
            r,
        )
    conf = next(root.glob("pure-ftpd*/etc/pure-ftpd/conf"), None)
    if conf:
        _, r = inspect(None, binary, None, "--config", str(conf))
        t.check(
            "Debian's /etc/pure-ftpd/conf: read as a conf dir",
            r["sources"][0]["kind"] == "pure-ftpd" and r["sources"][0]["read"],
            r,
        )


def real_servers(t, lab, binary, work, cache):
    opts = dict(
        listen=SERVER_IP,
        port=21,
        pasv_ports=PASV_PORTS,
        pasv_address=PUBLIC_IP,
        prefix=lab.prefix("srv"),
    )
    for name in ("vsftpd", "proftpd"):
        s = servers.start(name, cache, servers.Options(**opts))
        try:
            conf = s.workdir / f"{name}.conf"
            _, r = inspect(lab, binary, "srv", "--config", str(conf))
            t.check(
                f"{name}'s running config: range {LO}-{HI}, address {PUBLIC_IP}",
                r["server"]["range"] == [LO, HI]
                and r["server"]["public_address"] == PUBLIC_IP
                and "config-unknown-setting" not in ids(r),
                r,
            )
            if name == "vsftpd":
                _, r = inspect(lab, binary, "srv")
                listeners = r["host"]["listeners"]
                t.check(
                    "discovery in the server namespace: vsftpd listens on 21",
                    any(x["port"] == 21 and x["process"] == "vsftpd" for x in listeners),
                    r["host"],
                )
                t.check(
                    "discovery: the host's addresses and the firewall read",
                    SERVER_IP in r["host"]["addresses"]
                    and any(s["kind"] == "nftables" and s["read"] for s in r["sources"]),
                    r,
                )
        finally:
            s.stop()


def pureftpd_discovery(t, lab, binary, cache):
    """A running pure-ftpd is configured by its command line, but it writes its process title
    over it ("pure-ftpd (SERVER)"): discovery finds it and says why its flags cannot be read."""
    s = servers.start(
        "pureftpd",
        cache,
        servers.Options(
            listen=SERVER_IP,
            port=21,
            pasv_ports=PASV_PORTS,
            pasv_address=PUBLIC_IP,
            prefix=lab.prefix("srv"),
        ),
    )
    try:
        _, r = inspect(lab, binary, "srv")
        found = [x for x in r["sources"] if x["kind"] == "pure-ftpd" and "/proc/" in x["path"]]
        t.check(
            "discovery: a running pure-ftpd found, its rewritten command line said",
            any(not x["read"] and "rewrote its command line" in (x["error"] or "") for x in found),
            r,
        )
        t.check(
            "discovery: pure-ftpd listens on 21",
            any(x["port"] == 21 and x["process"] == "pure-ftpd" for x in r["host"]["listeners"]),
            r,
        )
    finally:
        s.stop()


def with_probe(t, lab, binary, work, cache):
    """The router drops the forwarded passive range; the server's own firewall accepts it."""
    lab.router(drop_passive=True)
    own = f"""table inet filter {{
  chain input {{
    type filter hook input priority 0; policy drop;
    iif "lo" accept
    ct state established,related accept
    tcp dport {{ 21, {LO}-{HI} }} accept
  }}
}}
"""
    lab.sh("nft", "-f", "-", ns="srv", input=own)
    s = servers.start(
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
    try:
        report = work / "outside.json"
        got = lab.sh(
            str(binary),
            "probe",
            f"ftp://{PUBLIC_IP}/",
            "--tls",
            "off",
            "--modes",
            "pasv,epsv",
            "--timeout",
            "2s",
            "--format",
            "json",
            ns="cli",
            check=False,
            timeout=60,
        )
        report.write_text(got.stdout)
        dumped = dump(lab, "srv", work, "srv.json", "nft", "-j", "list", "ruleset")
        conf = s.workdir / "vsftpd.conf"
        _, r = inspect(
            lab,
            binary,
            "srv",
            "--config",
            str(conf),
            "--ruleset",
            str(dumped),
            "--with",
            str(report),
        )
        ev = [f["evidence"] for f in r["findings"] if f["id"] == "probe-contradicts-config"]
        t.check(
            "--with: a data timeout to a port the server's firewall accepts contradicts it",
            any("timed out" in e for e in ev),
            r,
        )
        t.check(
            "--with: the 227's address agrees with pasv_address (no address contradiction)",
            not any("227" in f["summary"] for f in r["findings"]),
            r,
        )
    finally:
        s.stop()
        lab.sh("nft", "flush", "ruleset", ns="srv")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(REPO / "target/debug/ftpdoctor"))
    ap.add_argument("--cache", default=str(REPO / "target/interop-cache"))
    a = ap.parse_args()
    binary, cache = Path(a.bin).resolve(), Path(a.cache)
    started = time.monotonic()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        # SystemExit unwinds through the `finally`: servers stop, namespaces go.
        signal.signal(sig, lambda signum, _frame: sys.exit(128 + signum))
    state.claim()
    lab = NatLab()
    t = Tally()
    work = Path(tempfile.mkdtemp(prefix="ftpdoctor-inspect-"))
    try:
        try:
            lab.build()
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            print(f"inspect: cannot build namespaces here ({e}): stage SKIPPED")
            return 3
        ensure_nft()
        servers.ensure_installed(cache)
        steps = [
            lambda: rulesets(t, lab, binary, work),
            lambda: router(t, lab, binary, work),
            lambda: debian_configs(t, binary, cache),
            lambda: real_servers(t, lab, binary, work, cache),
            lambda: pureftpd_discovery(t, lab, binary, cache),
            lambda: with_probe(t, lab, binary, work, cache),
        ]
        for step in steps:
            try:
                step()
            except (subprocess.CalledProcessError, RuntimeError, KeyError, OSError) as e:
                detail = getattr(e, "stderr", "") or str(e)
                t.check(
                    f"step {step.__code__.co_names[0] if step.__code__.co_names else '?'}",
                    False,
                    detail,
                )
    finally:
        lab.teardown()
        shutil.rmtree(work, ignore_errors=True)
        state.release()
    print(f"inspect: {t.passed} passed, {t.failed} failed ({time.monotonic() - started:.0f} s)")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
