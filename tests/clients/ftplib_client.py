"""Python's ftplib with its defaults, fetching one file: the ftplib and ftplib-tls profiles.

usage: ftplib_client.py plain|tls HOST PORT PATH OUT [CAFILE]
Exit 0 when the whole file arrived; an exception (exit 1) otherwise. No timeout is set,
as with FTP() and FTP_TLS() out of the box.
"""

import ftplib
import ssl
import sys


def main() -> int:
    kind, host, port, path, out = sys.argv[1:6]
    if kind == "tls":
        context = ssl.create_default_context(cafile=sys.argv[6] if len(sys.argv) > 6 else None)
        ftp: ftplib.FTP = ftplib.FTP_TLS(context=context)
    else:
        ftp = ftplib.FTP()
    ftp.connect(host, int(port))
    ftp.login()
    if isinstance(ftp, ftplib.FTP_TLS):
        ftp.prot_p()
    got = bytearray()
    ftp.retrbinary(f"RETR {path}", got.extend)
    ftp.quit()
    with open(out, "wb") as f:
        f.write(got)
    print(f"{len(got)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
