"""Clients-through-NAT stage: the real clients against the real servers behind the NAT router.

For each scenario and server: probe from a client namespace with `--clients all`, then run
every real client of clients.py there, each with a hard cap on its time, and assert that each
did what the report predicted (works, fails, or still hanging at the cap). The router is set
up as the Internet would be (nat.py, `internet=True`): an address nobody forwards, such as
the server's own 10.77.0.2, swallows the SYN, as it would for a customer out there.

Each server gets a NAT lab of its own (the same addresses in its own namespaces), so the four
servers' cases run at the same time, each server's one after another.
"""


from . import servers
from .clients import ClientStage
from .nat import PASV_PORTS, PUBLIC_IP, SERVER_IP, NatLab, build_or_skip, ensure_nft
from .netns import MASQ, Netns
from .runner import Scenario, Skip


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
# Clients of one case at once, where a server admits fewer sessions than there are clients.
# Pure-FTPd 1.0.50 answers "421 10 users (the maximum) are already logged in" to the 11th
# (curl then fails at once, lftp retries until the cap), and its -c raises that no higher here:
# `-c 5` gives "user number 1 of 5 allowed", `-c 32` and `-c 128` still "of 10 allowed".
# Eight leave room for the probe's sessions that are still closing.
AT_ONCE = {"pureftpd": 8}


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

    parallel = len(servers.SERVERS)

    def __init__(self):
        super().__init__()
        self.labs = {t: NatLab(tag=t) for t in self.targets}

    def setup(self, opts):
        self.cap = CAP_S
        self.make_work()
        labs = [lab for t, lab in self.labs.items() if not opts.only or t == opts.only]
        build_or_skip(*labs)
        ensure_nft()
        for lab in labs:
            lab.router()
            lab.internet()
        servers.ensure_installed(opts.cache)

    def teardown(self):
        for lab in self.labs.values():
            lab.teardown()
        self.remove_work()

    def lane(self, target, scenario):
        return target

    def prepare(self, scenario):
        """Nothing shared: each case sets its own server's router (start)."""

    def start(self, target, scenario, opts):
        lab = self.labs[target]
        lab.router(**scenario.env)
        options = servers.Options(listen=SERVER_IP, port=21, pasv_ports=PASV_PORTS,
                                  prefix=lab.prefix("srv"), **scenario.server)
        return servers.start(target, opts.cache, options)

    def capture(self, opts):
        raise Skip("the netns stage captures what the router shows (tests/netns/run.py)")

    def at_once(self, target):
        return AT_ONCE.get(target, len(self.profiles))

    def case_prefix(self, ctx, client):
        return self.labs[ctx.target].prefix(client or "cli")


STAGE = NetnsClients()
