#!/usr/bin/env python3
"""Records a real server's replies byte for byte, one reply per file, for the parser tests.

Usage (normally through run.py --capture / netns/run.py --capture):
    capture.py HOST PORT OUTDIR LABEL [--extra-connection]

Runs one scripted anonymous session (banner, USER, PASS if asked, FEAT, STAT, PASV + LIST,
EPSV + RETR, EPRT + LIST, PORT + LIST, QUIT) and writes OUTDIR/LABEL-CASE.txt for each reply,
plus OUTDIR/sessions/LABEL.txt with every byte the server sent on the control connection.
Dials only HOST (the control peer) and accepts only on the control connection's local
address: an advertised PASV address is recorded, never dialled.
With --extra-connection it only holds the session open while a second one connects, and
records the second one's greeting (a server limited to one connection refuses it there).
"""

import re
import socket
import sys
from pathlib import Path

# Every read is bounded in time and size; these servers are on loopback or in our namespaces.
TIMEOUT = 3.0
MAX_REPLY = 64 * 1024
MAX_DATA = 1024 * 1024


class Session:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.sock.settimeout(TIMEOUT)
        self.buf = b""
        self.wire = b""

    def reply(self):
        """Reads one whole reply (multi-line included) and returns its exact bytes."""
        while True:
            m = re.match(rb"(\d{3})-", self.buf)
            end = None
            if m:
                fin = re.search(rb"(^|\r?\n)" + m.group(1) + rb" [^\n]*\n", self.buf)
                end = fin.end() if fin else None
            elif b"\n" in self.buf:
                end = self.buf.index(b"\n") + 1
            if end is not None:
                out, self.buf = self.buf[:end], self.buf[end:]
                self.wire += out
                return out
            if len(self.buf) > MAX_REPLY:
                raise RuntimeError("reply too long")
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError(f"server closed the connection; pending {self.buf!r}")
            self.buf += chunk

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()


def read_all(sock):
    got = 0
    sock.settimeout(TIMEOUT)
    while got < MAX_DATA:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += len(chunk)
    sock.close()
    return got


def transfer(s, verb, save, case, data_sock=None, listener=None):
    """Sends VERB, reads its 1yz, the data (dialled or accepted) and the final reply."""
    s.sock.sendall(verb.encode() + b"\r\n")
    if listener is not None:
        # pyftpdlib has connected already (during PORT/EPRT); the others do after the 1yz.
        data_sock, _ = listener.accept()
    first = s.reply()
    save(f"{case}-{first[:3].decode()}", first)
    if not first.startswith(b"1"):
        return
    read_all(data_sock)
    final = s.reply()
    save(f"{case}-{final[:3].decode()}", final)


def main():
    host, port, outdir, label = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    extra = "--extra-connection" in sys.argv
    outdir.mkdir(parents=True, exist_ok=True)

    def save(case, data):
        (outdir / f"{label}-{case}.txt").write_bytes(data)

    s = Session(host, port)
    first = s.reply()
    if extra:
        # Only the refusal is new here; the rest of this session is the default capture's.
        # Logged in first: ProFTPD counts only clients that have logged in.
        if s.cmd("USER anonymous").startswith(b"331"):
            s.cmd("PASS ftpdoctor@")
        second = Session(host, port)
        got = second.reply()
        save("second-connection", got)
        if got.startswith(b"220"):
            # ProFTPD greets every connection and refuses at login instead.
            got = second.cmd("USER anonymous")
            save("second-connection-user", got)
            if got.startswith(b"331"):
                got = second.cmd("PASS ftpdoctor@")
                save("second-connection-pass", got)
        print(f"capture: {label}: second connection answered {got[:3].decode()}")
        return
    save("banner", first)
    user = s.cmd("USER anonymous")
    save(f"user-{user[:3].decode()}", user)
    if user.startswith(b"331"):
        save("pass", s.cmd("PASS ftpdoctor@"))
    save("feat", s.cmd("FEAT"))
    # STAT names the client as the server sees it (vsftpd, ProFTPD): NAT shows here.
    save("stat", s.cmd("STAT"))

    pasv = s.cmd("PASV")
    save("pasv", pasv)
    nums = re.findall(rb"\d+", pasv[3:])
    if pasv.startswith(b"227") and len(nums) >= 6:
        p = int(nums[4]) * 256 + int(nums[5])
        # The control peer with the advertised port: never the advertised address itself.
        transfer(s, "LIST pub/", save, "pasv-list", socket.create_connection((host, p), TIMEOUT))

    epsv = s.cmd("EPSV")
    save("epsv", epsv)
    m = re.search(rb"\((.)\1\1(\d+)\1\)", epsv)
    if epsv.startswith(b"229") and m:
        data = socket.create_connection((host, int(m.group(2))), TIMEOUT)
        save("type-i", s.cmd("TYPE I"))
        transfer(s, "RETR pub/readme.txt", save, "epsv-retr", data)

    local_ip = s.sock.getsockname()[0]
    for verb in ("EPRT", "PORT"):
        listener = socket.socket()
        listener.bind((local_ip, 0))
        listener.listen(1)
        listener.settimeout(TIMEOUT)
        lport = listener.getsockname()[1]
        arg = (f"|1|{local_ip}|{lport}|" if verb == "EPRT"
               else ",".join(local_ip.split(".") + [str(lport // 256), str(lport % 256)]))
        got = s.cmd(f"{verb} {arg}")
        save(verb.lower(), got)
        if got.startswith(b"2"):
            transfer(s, "LIST pub/", save, f"{verb.lower()}-list", listener=listener)
        listener.close()
    save("quit", s.cmd("QUIT"))
    (outdir / "sessions").mkdir(exist_ok=True)
    (outdir / "sessions" / f"{label}.txt").write_bytes(s.wire)
    print(f"capture: {label}: {len(s.wire)} bytes of replies")


if __name__ == "__main__":
    main()
