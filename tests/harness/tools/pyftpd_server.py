"""pyftpdlib with the options the interop and netns stages need; read-only anonymous."""
import argparse

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

p = argparse.ArgumentParser()
p.add_argument("--listen", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--root", required=True)
p.add_argument("--masquerade")
p.add_argument("--max-cons", type=int)
p.add_argument("--passive-ports")
p.add_argument("--cert")
p.add_argument("--key")
a = p.parse_args()


class ForgetsConnector:
    """pyftpdlib 2.2.0's session, fixed where upstream pull request #657 fixes it. Once a
    PORT/EPRT connection is made, its connector hands the socket to the data channel but
    stays the session's `_dtp_connector`, keeping the socket's fd number. When the session
    later closes it (on disconnect, or at its next PASV/PORT), it unregisters that number from
    the event loop again. By then the number may belong to another session's socket (a
    control connection, a passive listener, a data connection), which then never gets another
    event: that session hangs. With a dozen clients at once it struck a few cases a run, at
    any step of any client. Here the session forgets the connector once it has connected."""

    def _on_dtp_connection(self):
        self._dtp_connector = None
        super()._on_dtp_connection()


auth = DummyAuthorizer()
auth.add_anonymous(a.root)
handler = FTPHandler
if a.cert:
    # Explicit FTPS offered, not required (needs pyOpenSSL).
    from pyftpdlib.handlers import TLS_FTPHandler

    handler = TLS_FTPHandler
    handler.certfile = a.cert
    handler.keyfile = a.key
    handler.tls_control_required = False
    handler.tls_data_required = False
handler = type("Handler", (ForgetsConnector, handler), {})
handler.authorizer = auth
handler.banner = "pyftpdlib ready."
if a.masquerade:
    handler.masquerade_address = a.masquerade
if a.passive_ports:
    lo, hi = (int(x) for x in a.passive_ports.split("-"))
    handler.passive_ports = range(lo, hi + 1)
server = FTPServer((a.listen, a.port), handler)
if a.max_cons:
    # max_cons counts every socket of the server, its listeners included; the limit a user
    # means by "one connection" is the control connections per client address.
    server.max_cons_per_ip = a.max_cons
server.serve_forever()
