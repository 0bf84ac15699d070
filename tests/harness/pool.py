"""Who really made the data connection: the netns settings of the `netns-pool` stage.

Three routers, each built from the NAT lab's namespaces (nat.py) plus a second server:

    nat 192.168.50.2 ─ rtr ─ 10.77.0.1 + 10.77.0.3 ─ srv 10.77.0.2      the NAT pool
        `snat to numgen inc mod 2 map { 0 : 10.77.0.1, 1 : 10.77.0.3 }`: the client's
        connections leave from two addresses in turn, as behind a cloud NAT gateway with
        two public IPs.

    cli 203.0.113.2 ─ rtr 203.0.113.1 ─┬─ srv  10.77.0.2                the load balancer
                                       └─ srv2 10.78.0.2
        port 21 and the passive range DNATed with `numgen inc mod 2`, no affinity: each
        connection, control or data, goes to the next backend in turn.

    cli 203.0.113.2 ─ rtr 203.0.113.1:PORT (a proxy) ─ srv 10.77.0.2     the proxies
        tinyproxy (HTTP CONNECT, with and without the passive range in ConnectPort),
        dante-server (SOCKS5 with BIND), microsocks (SOCKS5, no BIND), from Debian.

Every namespace has its own /etc/netns/NAME/resolv.conf (nat.py); nothing is dialled outside
them. The stage installs what it needs with apt-get (nftables, the proxies, lftp).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import servers, state
from .nat import ETC_NETNS, PASV_PORTS, PUBLIC_IP, RESOLV_CONF, SERVER_IP, NatLab

# The NAT pool's second egress address, beside the router's own 10.77.0.1.
POOL_IPS = ("10.77.0.1", "10.77.0.3")
# The load balancer's second backend, on a network of its own behind the router.
SERVER2_IP = "10.78.0.2"
ROUTER2_IP = "10.78.0.1"
# Where the proxies listen (the router's outside address) and on which ports.
PROXY_PORTS = {"tinyproxy": 8888, "tinyproxy-21": 8889, "dante": 1080, "microsocks": 1081}
# Debian packages the stage installs when missing: command -> package.
PACKAGES = {"nft": "nftables", "tinyproxy": "tinyproxy", "danted": "dante-server",
            "microsocks": "microsocks", "lftp": "lftp", "curl": "curl"}
# A proxy that has not opened its port by then will not: its log says why.
PROXY_START_S = 10.0


def ensure_packages(packages: dict[str, str] = PACKAGES):
    """apt-get install what is missing of `packages` (command -> Debian package) on a fresh
    CI machine; raises CalledProcessError."""
    missing = sorted({pkg for cmd, pkg in packages.items() if not shutil.which(cmd)
                      and not Path("/usr/sbin", cmd).exists()})
    if not missing:
        return
    print(f"netns-pool: apt-get install {' '.join(missing)}", flush=True)
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
           "-o", "DPkg::Lock::Timeout=300", *missing]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    # Debian starts the daemons it installs: ours run in namespaces, theirs are not needed
    # (and tinyproxy's would hold nothing of ours). Stopping them is best effort.
    for unit in ("tinyproxy", "danted"):
        subprocess.run(["systemctl", "stop", unit], capture_output=True, timeout=30)


class PoolLab(NatLab):
    """The NAT lab with a second server namespace (`srv2`) and the three routers above."""

    def __init__(self):
        super().__init__()
        self.ns["srv2"] = state.ns_name("srv2")

    def build(self):
        super().build()
        etc = ETC_NETNS / self.ns["srv2"]
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(RESOLV_CONF)
        self.sh("ip", "netns", "add", self.ns["srv2"])
        self.sh("ip", "link", "set", "lo", "up", ns="srv2")
        self._veth("srv2", "eth0", f"{SERVER2_IP}/24", "rtr", "in1", f"{ROUTER2_IP}/24")
        self.sh("ip", "route", "add", "default", "via", ROUTER2_IP, ns="srv2")
        # The pool's second address: the server's replies to it reach the router (ARP).
        self.sh("ip", "addr", "add", f"{POOL_IPS[1]}/24", "dev", "in0", ns="rtr")

    def pool(self):
        """The NAT pool: the `nat` client's connections leave from POOL_IPS in turn."""
        a, b = POOL_IPS
        self._load(f"""
  chain snat_out {{
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 192.168.50.0/24 oifname "in0" snat to numgen inc mod 2 map {{ 0 : {a}, 1 : {b} }}
  }}""")

    def balancer(self):
        """The load balancer: port 21 and the passive range to srv and srv2 in turn."""
        lo, hi = PASV_PORTS
        self._load(f"""
  chain dnat_in {{
    type nat hook prerouting priority dstnat; policy accept;
    ip daddr {PUBLIC_IP} tcp dport {{ 21, {lo}-{hi} }} dnat to numgen inc mod 2 map {{
      0 : {SERVER_IP}, 1 : {SERVER2_IP} }}
  }}
  chain snat_out {{
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr {{ {SERVER_IP}, {SERVER2_IP} }} oifname "out0" masquerade
  }}""")

    def plain(self):
        """No translation at all (the proxies' setting: the proxy on the router dials srv)."""
        self._load("")

    def _load(self, chains: str):
        self.sh("nft", "-f", "-", ns="rtr", input=f"flush ruleset\ntable ip pool {{{chains}\n}}\n")


class Pair:
    """Two running servers behind the load balancer, stopped together."""

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.ca = first.ca

    def stop(self):
        try:
            self.first.stop()
        finally:
            self.second.stop()

    def log_text(self):
        return f"== srv\n{self.first.log_text()}\n== srv2\n{self.second.log_text()}"


class Proxy:
    """A proxy from Debian, started in the router's namespace on PUBLIC_IP."""

    def __init__(self, kind: str, lab: PoolLab):
        self.kind, self.port = kind, PROXY_PORTS[kind]
        self.work = Path(tempfile.mkdtemp(prefix=f"ftpdoctor-{kind}-"))
        self.work.chmod(0o755)
        self.log = self.work / "proxy.log"
        cmd = self._command()
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(lab.prefix("rtr") + cmd, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         cwd=self.work)
        state.remember_server(self.proc.pid, self.work)
        if not self._wait(lab):
            text = self.log_text()
            self.stop()
            raise RuntimeError(f"{kind} did not start on {PUBLIC_IP}:{self.port}: {text}")

    @property
    def url(self) -> str:
        scheme = "http" if self.kind.startswith("tinyproxy") else "socks5"
        return f"{scheme}://{PUBLIC_IP}:{self.port}"

    def _command(self) -> list[str]:
        conf = self.work / "proxy.conf"
        if self.kind.startswith("tinyproxy"):
            lo, hi = PASV_PORTS
            ports = [21] if self.kind == "tinyproxy-21" else [21, *range(lo, hi + 1)]
            conf.write_text(
                f"Port {self.port}\nListen {PUBLIC_IP}\nTimeout 30\nMaxClients 50\n"
                "User nobody\nGroup nogroup\nLogLevel Info\n"
                + "".join(f"ConnectPort {p}\n" for p in ports))
            return ["tinyproxy", "-d", "-c", str(conf)]
        if self.kind == "dante":
            conf.write_text(
                "logoutput: stderr\n"
                f"internal: {PUBLIC_IP} port = {self.port}\n"
                "external: in0\n"
                "socksmethod: none\nclientmethod: none\n"
                "user.privileged: root\nuser.unprivileged: nobody\n"
                "client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }\n"
                "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 "
                "command: bind connect bindreply }\n")
            return ["danted", "-f", str(conf), "-N", "1"]
        return ["microsocks", "-i", PUBLIC_IP, "-p", str(self.port)]

    def _wait(self, lab: PoolLab) -> bool:
        deadline = time.monotonic() + PROXY_START_S
        script = (f"import socket; socket.create_connection(('{PUBLIC_IP}', {self.port}),"
                  " timeout=1).close()")
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            got = lab.sh("python3", "-c", script, ns="cli", check=False, timeout=5)
            if got.returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
                self.proc.wait(timeout=5)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)
        state.forget_server(self.proc.pid)
        shutil.rmtree(self.work, ignore_errors=True)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def start_pair(target: str, cache: Path, options) -> Pair:
    """The same server in srv and srv2, both advertising PUBLIC_IP and the same range."""
    first = servers.start(target, cache, options("srv"))
    try:
        second = servers.start(target, cache, options("srv2", SERVER2_IP))
    except BaseException:
        first.stop()
        raise
    return Pair(first, second)
