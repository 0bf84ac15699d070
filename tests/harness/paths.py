"""Long and large transfers: the router settings of the `netns-paths` stage.

The NAT lab of nat.py (cli 203.0.113.2 ─ rtr ─ srv 10.77.0.2, port 21 and the passive range
DNATed, the server advertising 203.0.113.1), plus one of these on the router:

- **An MTU hole.** The router's link towards the client (`out0`) carries at most MTU_HOLE
  bytes, while both ends of the path keep 1500: the server sends full-size segments (the
  client's SYN asked for MSS 1460), the router cannot forward them and says so with an ICMP
  "fragmentation needed", which its own output chain drops. `icmp="allow"` lets it through
  (path-MTU discovery then works), `icmp="clamp"` keeps it dropped but rewrites the MSS of
  every forwarded SYN to what the route carries, as the fix text advises.
- **An idle timeout.** The router's conntrack forgets an established flow after
  IDLE_FORGET_S (`nf_conntrack_tcp_timeout_established`), `nf_conntrack_tcp_loose=0` keeps
  it from picking a mid-stream packet up again, and the forward chain drops what it no longer
  knows. The client's next packet then reaches the router itself (no DNAT is left), whose
  stack answers a RST (as AWS NLB does); `rst=False` drops it in the input chain too, so the
  client hears nothing (as Azure Load Balancer does by default).

Both conntrack settings are per network namespace on the kernels this runs on (checked at
setup: the stage reads the host's values before and after and says so if they moved).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .nat import NatLab

# The bottleneck's MTU: below the 1500 both ends have, above every lowered MSS the probe tries.
MTU_HOLE = 1400
# How long the router keeps an idle established flow: short enough for a quick --idle, long
# enough that the probe's own logins and LIST never sit idle that long.
IDLE_FORGET_S = 3
# The conntrack settings the idle scenarios change, in the router's namespace only.
CONNTRACK = Path("/proc/sys/net/netfilter")
IDLE_SYSCTLS = ("nf_conntrack_tcp_timeout_established", "nf_conntrack_tcp_loose")


class PathLab(NatLab):
    """The NAT lab whose router can have an MTU hole or forget idle flows."""

    def plain(self):
        """The masquerade lab with nothing in the way (every link 1500)."""
        self.router()
        self.sh("ip", "link", "set", "out0", "mtu", "1500", ns="rtr")

    def mtu_hole(self, icmp: str = "drop"):
        """out0 at MTU_HOLE; the router's frag-needed dropped ("drop"), let through ("allow"),
        or dropped with every forwarded SYN's MSS clamped to the route ("clamp")."""
        self.router()
        self.sh("ip", "link", "set", "out0", "mtu", str(MTU_HOLE), ns="rtr")
        rules = []
        if icmp in ("drop", "clamp"):
            rules.append("""
  chain own_icmp {
    type filter hook output priority filter; policy accept;
    icmp type destination-unreachable icmp code frag-needed drop
  }""")
        if icmp == "clamp":
            rules.append("""
  chain clamp {
    type filter hook forward priority mangle; policy accept;
    tcp flags syn tcp option maxseg size set rt mtu
  }""")
        self._extra("".join(rules))

    def idle(self, rst: bool = True):
        """Conntrack forgets idle established flows after IDLE_FORGET_S; what it forgot is
        dropped when forwarded, and answered with a RST by the router's stack (`rst`) or
        dropped on the way in too."""
        self.router()
        self.sh("ip", "link", "set", "out0", "mtu", "1500", ns="rtr")
        rules = """
  chain forgotten_forward {
    type filter hook forward priority filter; policy accept;
    ct state invalid drop
  }"""
        if not rst:
            rules += """
  chain forgotten_input {
    type filter hook input priority filter; policy accept;
    ct state invalid drop
  }"""
        self._extra(rules)
        # The sysctls exist in a namespace once conntrack is in use there (the ruleset above).
        self.sh("sysctl", "-qw",
                f"net.netfilter.nf_conntrack_tcp_timeout_established={IDLE_FORGET_S}",
                "net.netfilter.nf_conntrack_tcp_loose=0", ns="rtr")

    def _extra(self, chains: str):
        """A second table beside nat.py's: the scenario's own chains."""
        if chains:
            self.sh("nft", "-f", "-", ns="rtr", input=f"table ip paths {{{chains}\n}}\n")


def host_conntrack() -> dict[str, str]:
    """The host namespace's values of the idle settings (empty where conntrack is not loaded
    there), to show that the router's changes stayed in its namespace."""
    out = {}
    for name in IDLE_SYSCTLS:
        with contextlib.suppress(OSError):
            out[name] = (CONNTRACK / name).read_text().strip()
    return out
