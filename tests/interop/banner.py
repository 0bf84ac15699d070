"""Exit 0 once HOST PORT answers with a 220 line; used to wait for a server to start."""
import socket
import sys

# Short: the caller retries until its own start timeout.
TIMEOUT = 1.0

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=TIMEOUT) as s:
        s.settimeout(TIMEOUT)
        data = b""
        while b"\n" not in data and len(data) < 4096:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.sendall(b"QUIT\r\n")
    sys.exit(0 if data.startswith(b"220") else 1)
except OSError:
    sys.exit(1)
