"""Clients stage: the real clients against every lab scenario.

For each scenario: start the lab, probe it (`--clients all`), run every client of clients.py
against it with a hard cap on its time, and assert that each did what the report predicted.

Everything runs in a network namespace of our own (Blackhole below): loopback for the lab,
and a default route into a veth pair whose far end has no address (a static neighbour entry
stands in for a router), so a packet to any other address is dropped there: a client that
follows an advertised 10.0.0.5 waits as it would on the Internet, and nothing leaves the
machine. Its resolv.conf names a resolver on loopback where nothing listens, so a lookup
fails at once (ncftp looks the server's address up) instead of vanishing into the hole.
"""

import shutil
import subprocess
from pathlib import Path

from . import servers, state
from .clients import ClientStage
from .nat import ETC_NETNS, RESOLV_CONF
from .runner import Scenario, Skip, Stage

# The lab answers 425 when no data connection came within this: longer than the cap, so a
# client waiting for one is still waiting when the cap strikes.
LAB_DATA_TIMEOUT = "60s"
# Lab cases at once: enough that the cases whose clients wait out the cap overlap, few enough
# that a JVM or Node client that works still starts well inside the cap on 2 loaded cores.
PARALLEL_CASES = 6


class Blackhole:
    """One namespace: loopback, and a default route that drops everything else."""

    def __init__(self, role="lab"):
        self.ns = state.ns_name(role)
        self.built = False

    def prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.ns]

    def build(self):
        """Raises CalledProcessError or FileNotFoundError where namespaces cannot be made."""
        self.built = True
        etc = ETC_NETNS / self.ns
        etc.mkdir(parents=True, exist_ok=True)
        (etc / "resolv.conf").write_text(RESOLV_CONF)
        subprocess.run(["ip", "netns", "add", self.ns], check=True, capture_output=True,
                       text=True)
        for cmd in ("link set lo up",
                    "link add bh0 type veth peer name bh1",
                    "link set bh0 up", "link set bh1 up",
                    "addr add 192.0.2.1/24 dev bh0",
                    "route add default via 192.0.2.2 dev bh0",
                    "neigh add 192.0.2.2 lladdr 02:00:00:00:00:02 dev bh0 nud permanent"):
            subprocess.run(["ip", "-n", self.ns, *cmd.split()], check=True,
                           capture_output=True, text=True)

    def teardown(self):
        if self.built:
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=10)
            shutil.rmtree(ETC_NETNS / self.ns, ignore_errors=True)
            self.built = False


def case(name: str, listen="127.0.0.1", flags=(), reachable=True, alone=False) -> Scenario:
    """A lab scenario: probe it with `flags`, run every client, compare. `alone`: in a
    namespace of its own, where no other case's lab listens."""

    def check(c, ctx):
        ca = ctx.ca if ctx.ca and ctx.ca.is_file() and ctx.ca.stat().st_size else None
        extra = [*flags, *(["--ca-file", str(ca)] if ca else [])]
        running = ctx.running
        ctx.stage.verify(c, ctx, name, extra, None, ca, running.host, running.port, reachable)

    return Scenario(name, check, {"listen": listen}, {"alone": alone})


# Scenarios where one run of every client at once cannot settle a prediction, and why.
UNSETTLED = {
    # The backends take connections in turn across all sessions, so with every client
    # running at once each client's data connection lands on a backend by chance: the
    # probe's prediction of a single session ("fails" when its second data connection was
    # refused) meets clients that won the draw. The probe's own findings on it are pinned
    # in tests/it (probe_cli, golden_json); the prediction should say "depends" here.
    "lb-split": "backends alternate across all sessions: each client's outcome is a draw",
}


class LabClients(ClientStage, Stage):
    """Every real client against every lab scenario (`ftpdoctor lab --list`)."""

    name = "clients"
    targets = ["lab"]
    scenarios = [
        # Given to every client (and the probe) as ftp://, on purpose: the mistake it is
        # about (every client waits for a plaintext greeting). First: its probe waits out
        # the greeting (most of --deadline), the longest case.
        case("tls-implicit", reachable=False),
        case("healthy"),
        case("private-pasv"),
        # 0.0.0.0 means "this host" to the client, and Linux connects it to 127.0.0.1: on
        # 127.0.0.2 the lab is not the client's own host, as on a real network, and the
        # client meets a closed port there instead of the lab. Alone: another case's lab on
        # 127.0.0.1 could hold that very port number.
        case("zero-pasv", listen="127.0.0.2", alone=True),
        case("mismatch-pasv"),
        case("blocked-data"),
        case("refused-data"),
        case("no-epsv"),
        case("port-rejected"),
        case("active-blocked"),
        case("no-active"),
        case("garbled-pasv"),
        case("multiline-banner"),
        case("tls"),
        case("tls-reuse-required"),
        case("tls-data-deadlock"),
        case("alg-rewrite"),
        case("tls-required"),
        # Its flaw shows only when the whole range is sampled.
        case("partial-range", flags=["--sample-ports", "10"]),
        # The clients fetch the small readme: below one full-size segment, so the hole
        # cannot catch it, and the probe's size check (the largest file) must not make it
        # predict a hang for this URL.
        case("mtu-blackhole"),
        # Idle for the lab's 4 s before anything is forgotten: a client's one fetch is over
        # long before, and must be predicted to work.
        case("idle-timeout"),
        case("idle-reset"),
        case("writable"),
        # Two backends behind one address, taken in turn: a client's data connection lands
        # on the backend that did not open the port. Skipped below.
        case("lb-split"),
    ]

    # Every case has its own lab process on its own port: they run at once, this many.
    # Most of a case is clients waiting out the cap, which costs no CPU.
    parallel = PARALLEL_CASES

    def __init__(self):
        super().__init__()
        self.net = Blackhole()
        # Namespaces of their own for the cases that must be alone (zero-pasv).
        self.alone = {s.name: Blackhole(f"lab{i}") for i, s in enumerate(self.scenarios)
                      if s.env.get("alone")}
        self.bin = None

    def setup(self, opts):
        self.bin = opts.bin.resolve()
        listed = subprocess.run([str(opts.bin), "lab", "--list"], capture_output=True,
                                text=True, check=True).stdout.split("\n\n")[0]
        names = [line.split()[0] for line in listed.splitlines() if line.strip()]
        declared = [s.name for s in self.scenarios]
        if sorted(names) != sorted(declared):
            # A new lab scenario must be declared here, or its clients go unproved.
            raise RuntimeError(f"lab --list names {names}, this stage declares {declared}")
        self.make_work()
        try:
            for net in [self.net, *self.alone.values()]:
                net.build()
        except (subprocess.CalledProcessError, FileNotFoundError) as e:
            detail = getattr(e, "stderr", "") or str(e)
            raise Skip(f"cannot build a network namespace: {detail.strip()}") from e

    def teardown(self):
        for net in [self.net, *self.alone.values()]:
            net.teardown()
        self.remove_work()

    def lane(self, target, scenario):
        return scenario.name

    def _net(self, scenario) -> Blackhole:
        return self.alone.get(scenario.name, self.net)

    def skip(self, target, scenario):
        if scenario.name in UNSETTLED:
            return UNSETTLED[scenario.name]
        return super().skip(target, scenario)

    def start(self, target, scenario, opts):
        listen = scenario.server["listen"]
        ca = self.work / f"{scenario.name}-ca.pem"
        return servers.start_lab(Path(self.bin), scenario.name, listen,
                                 self._net(scenario).prefix(), ca_out=ca,
                                 extra=["--data-timeout", LAB_DATA_TIMEOUT])

    def address(self, running) -> str:
        return f"{running.host}:{running.port}"

    def case_prefix(self, ctx, client) -> list[str]:
        return self._net(ctx.scenario).prefix()


STAGE = LabClients()
