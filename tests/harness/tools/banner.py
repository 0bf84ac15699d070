"""Exit 0 once HOST PORT answers with a 220 line; used to wait for a server to start.
A third argument `tls` reads the banner inside TLS (implicit FTPS), unverified: this only
asks whether the server is up."""
import socket
import ssl
import sys

# Short: the caller retries until its own start timeout.
TIMEOUT = 1.0

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=TIMEOUT) as raw:
        s = raw
        if sys.argv[3:] == ["tls"]:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(raw)
        s.settimeout(TIMEOUT)
        data = b""
        while b"\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.sendall(b"QUIT\r\n")
    sys.exit(0 if data.startswith(b"220") else 1)
except (OSError, ssl.SSLError):
    sys.exit(1)
