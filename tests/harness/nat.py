"""A real Linux NAT router built from network namespaces (the netns stage's environment).

    cli  203.0.113.2 ──┐                      ┌── srv 10.77.0.2
                       ├─ rtr 203.0.113.1 ─ 10.77.0.1      (FTP on :21, passive 50000-50019)
    nat  192.168.50.2 ─┘   192.168.50.1 (masquerade)

The router DNATs 203.0.113.1:21 and :50000-50019 to the server and masquerades the server's
and the second client's outgoing traffic. Every address lives in namespaces named
`ftpdoctor<pid>-<role>` (state.py), deleted on every exit and by the next run if this one was
killed; nothing outside them is ever dialled. Each gets /etc/netns/NAME/resolv.conf naming a
resolver on its own loopback where nothing listens: a name lookup fails at once, inside.

`internet=True` (the clients stage) makes the client side behave like the Internet: `cli` gets
a default route through the router, the router silently drops what it has no route for and
every new connection into the server's private network that it did not forward itself, so a
client dialling an advertised 10.77.0.2 (or any other address) waits as it would out there.
"""

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import state
from .runner import Skip

SERVER_IP = "10.77.0.2"
ROUTER_INSIDE_IP = "10.77.0.1"
PUBLIC_IP = "203.0.113.1"
CLIENT_IP = "203.0.113.2"
NAT_CLIENT_IP = "192.168.50.2"
PASV_PORTS = (50000, 50019)
ROLES = ("srv", "rtr", "cli", "nat")
# `ip netns exec NAME` bind-mounts the files of ETC_NETNS/NAME over /etc.
ETC_NETNS = Path("/etc/netns")
RESOLV_CONF = "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n"


class NatLab:
    def __init__(self, tag: str = ""):
        # `tag`: several labs side by side, each its own namespaces (`ftpdoctor<pid>-srv-TAG`).
        self.ns = {role: state.ns_name(f"{role}-{tag}" if tag else role) for role in ROLES}
        self.built = False

    def sh(self, *args, ns=None, check=True, **kw):
        cmd = (["ip", "netns", "exec", self.ns[ns]] if ns else []) + list(args)
        return subprocess.run(cmd, check=check, capture_output=True, text=True, **kw)

    def prefix(self, role) -> list[str]:
        """A command prefix that runs inside `role`'s namespace."""
        return ["ip", "netns", "exec", self.ns[role]]

    def build(self):
        """Raises CalledProcessError or FileNotFoundError where namespaces cannot be made."""
        self.built = True
        for role in ROLES:
            etc = ETC_NETNS / self.ns[role]
            etc.mkdir(parents=True, exist_ok=True)
            (etc / "resolv.conf").write_text(RESOLV_CONF)
            self.sh("ip", "netns", "add", self.ns[role])
            self.sh("ip", "link", "set", "lo", "up", ns=role)
        self._veth("srv", "eth0", f"{SERVER_IP}/24", "rtr", "in0", f"{ROUTER_INSIDE_IP}/24")
        self._veth("cli", "eth0", f"{CLIENT_IP}/24", "rtr", "out0", f"{PUBLIC_IP}/24")
        self._veth("nat", "eth0", f"{NAT_CLIENT_IP}/24", "rtr", "lan0", "192.168.50.1/24")
        self.sh("ip", "route", "add", "default", "via", ROUTER_INSIDE_IP, ns="srv")
        self.sh("ip", "route", "add", "default", "via", "192.168.50.1", ns="nat")
        self.sh("sysctl", "-qw", "net.ipv4.ip_forward=1", ns="rtr")

    def internet(self):
        """Routes for `router(internet=True)`: cli's default route, the router's black hole."""
        self.sh("ip", "route", "add", "default", "via", PUBLIC_IP, ns="cli")
        self.sh("ip", "route", "add", "blackhole", "default", ns="rtr")

    def teardown(self):
        if not self.built:
            return
        for name in self.ns.values():
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
            shutil.rmtree(ETC_NETNS / name, ignore_errors=True)
        self.built = False

    def _veth(self, a, a_if, a_addr, b, b_if, b_addr):
        # Both ends are created inside their namespaces: nothing ever appears in the host's.
        self.sh("ip", "link", "add", a_if, "netns", self.ns[a], "type", "veth", "peer", "name",
                b_if, "netns", self.ns[b])
        for role, ifname, addr in ((a, a_if, a_addr), (b, b_if, b_addr)):
            self.sh("ip", "addr", "add", addr, "dev", ifname, ns=role)
            self.sh("ip", "link", "set", ifname, "up", ns=role)

    def router(self, drop_passive: bool | str = False, helper=False,
               drop_active: bool | str = False, internet=False):
        """Loads the router's whole ruleset: DNAT in, masquerade out, and what the scenario
        blocks. Raises CalledProcessError (helper=True: the kernel may lack the FTP helper)."""
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
        if internet:
            # The server's network is private: only what the DNAT (or the FTP helper's
            # expectation) forwards gets in; a client dialling 10.77.0.2 itself is dropped.
            # (`ct original`: the address the client dialled, before the DNAT.)
            drop += f"\n    ct state new ct original ip daddr {SERVER_IP} drop"
        rules = f"""flush ruleset
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
"""
        self.sh("nft", "-f", "-", ns="rtr", input=rules)


def build_or_skip(*labs):
    """Builds the labs (at once, when several); where this machine cannot make network
    namespaces, the stage is skipped with the reason rather than failed."""
    try:
        with ThreadPoolExecutor(len(labs)) as pool:
            list(pool.map(lambda lab: lab.build(), labs))
    except (subprocess.CalledProcessError, FileNotFoundError) as e:
        detail = getattr(e, "stderr", "") or str(e)
        raise Skip(f"cannot build the NAT lab: {detail.strip()}") from e


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
