"""Clients-through-NAT stage: the real clients against the real servers behind the NAT router.

For each scenario and server: probe from a client namespace with `--clients all`, then run
every real client of clients.py there, each with a hard cap on its time, and assert that each
did what the report predicted (works, fails, or still hanging at the cap). The router is set
up as the Internet would be (nat.py, `internet=True`): an address nobody forwards, such as
the server's own 10.77.0.2, swallows the SYN, as it would for a customer out there.
"""

from .clients import ClientStage
from .nat import PUBLIC_IP
from .netns import MASQ, Netns
from .runner import Scenario


def case(name: str, server: dict, env: dict, client: str = "cli", tls=False) -> Scenario:
    """A scenario whose check is: probe once from `client`, run every client there, compare."""

    def check(c, ctx):
        extra = ["--ca-file", str(ctx.ca)] if tls else []
        ctx.stage.verify(c, ctx, f"{name}/{ctx.target}", extra, client,
                         ctx.ca if tls else None, PUBLIC_IP, 21)

    return Scenario(name, check, server, {**env, "internet": True})


# Longer than the lab's cap: a real server, a router and two namespaces per exchange, on a
# busy 2-core machine; still below the shortest wait a client is predicted to hang for
# (ncftp's 20 s connect timeout).
CAP_S = 10.0


class NetnsClients(ClientStage, Netns):
    """Every real client against every server, through the NAT router."""

    name = "netns-clients"
    scenarios = [
        # The server advertises its own 10.77.0.2: followers wait, the rest fix or skip it.
        case("private-pasv", {}, {}),
        case("masquerade", MASQ, {}),
        case("blocked-passive", MASQ, {"drop_passive": True}),
        case("refused-passive", MASQ, {"drop_passive": "reject"}),
        case("active-blocked", MASQ, {"drop_active": True}),
        # Behind the masquerade: every PORT/EPRT names 192.168.50.2 and is refused.
        case("nat-client", MASQ, {}, client="nat"),
        # vsftpd and ProFTPD require the data connection to resume the TLS session.
        case("ftps-masquerade", {**MASQ, "tls": True}, {}, tls=True),
    ]

    def setup(self, opts):
        self.cap = CAP_S
        self.make_work()
        super().setup(opts)
        self.lab.internet()

    def teardown(self):
        super().teardown()
        self.remove_work()


STAGE = NetnsClients()
