"""The real clients, one command line per profile id of docs/clients.md.

Each client fetches the same file the probe fetched (RETR of the target's path) with its
defaults, except where noted: certificates of the lab's own CA are passed to the ones that
speak TLS (a CA is trust, not behaviour), and rc files are kept out (`--norc`,
`--no-config`, an empty HOME) so that the machine's /etc and ~ change nothing.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMONS_NET_JAR = Path("/usr/share/java/commons-net.jar")


@dataclass(frozen=True)
class Fetch:
    """What one client run fetches."""

    host: str
    port: int
    path: str
    ca: str | None
    cache: Path
    home: Path
    # Where the client writes the file: "works" needs it there, not just exit 0 (tnftp
    # exits 0 after a failed transfer it reported).
    out: Path

    @property
    def url(self) -> str:
        return f"ftp://{self.host}:{self.port}{self.path}"


def _curl(extra: list[str], tls: bool = False):
    def argv(f: Fetch) -> list[str]:
        ca = ["--cacert", f.ca] if tls and f.ca else []
        return ["curl", "-sS", "-o", str(f.out), *extra, *ca, f.url]

    return argv


def _lftp(settings: str):
    def argv(f: Fetch) -> list[str]:
        ca = f"set ssl:ca-file {f.ca}; " if f.ca else ""
        script = f"{ca}{settings}open -p {f.port} {f.host}; get {f.path} -o {f.out}"
        return ["lftp", "--norc", "-c", script]

    return argv


def _wget(extra: list[str]):
    return lambda f: ["wget", "--no-config", "-q", "-O", str(f.out), *extra, f.url]


def _ftplib(kind: str):
    def argv(f: Fetch) -> list[str]:
        ca = [f.ca] if f.ca else []
        return ["python3", str(HERE / "ftplib_client.py"), kind, f.host, str(f.port), f.path, str(f.out), *ca]

    return argv


def _basic_ftp(f: Fetch) -> list[str]:
    return ["node", str(HERE / "basic_ftp_client.mjs"), f.host, str(f.port), f.path, str(f.out)]


def _ncftp(extra: list[str]):
    return lambda f: ["sh", "-c", 'exec "$@" > "$0"', str(f.out), "ncftpget", *extra, "-c", "-P", str(f.port), f.host, f.path]


def _tnftp(extra: list[str]):
    return lambda f: ["tnftp", *extra, "-o", str(f.out), f.url]


def _commons_net(f: Fetch) -> list[str]:
    classes = f.cache / "classes"
    if (classes / "CommonsNetClient.class").is_file():
        main = ["-cp", f"{COMMONS_NET_JAR}:{classes}", "CommonsNetClient"]
    else:
        # No javac: Java 11+ runs a single source file as it is (slower to start).
        main = ["-cp", str(COMMONS_NET_JAR), str(HERE / "CommonsNetClient.java")]
    return ["java", *main, f.host, str(f.port), f.path, str(f.out)]


# Profile id -> command line. FileZilla, WinSCP and Windows' ftp.exe do not run here.
COMMANDS = {
    "curl": _curl([]),
    "curl-disable-epsv": _curl(["--disable-epsv"]),
    "curl-active": _curl(["-P", "-"]),
    "curl-ssl-reqd": _curl(["--ssl-reqd"], tls=True),
    "lftp": _lftp(""),
    "lftp-active": _lftp("set ftp:passive-mode off; "),
    "wget": _wget([]),
    "wget-active": _wget(["--no-passive-ftp"]),
    "ftplib": _ftplib("plain"),
    "ftplib-tls": _ftplib("tls"),
    "basic-ftp": _basic_ftp,
    "ncftp": _ncftp([]),
    "ncftp-active": _ncftp(["-E"]),
    "tnftp": _tnftp([]),
    "tnftp-active": _tnftp(["-A"]),
    "commons-net": _commons_net,
}

# The program each profile needs on PATH (or the file it needs).
NEEDS = {
    "curl": "curl",
    "lftp": "lftp",
    "wget": "wget",
    "ftplib": "python3",
    "basic-ftp": "node",
    "ncftp": "ncftpget",
    "tnftp": "tnftp",
    "commons-net": "java",
}


def missing(profile: str, cache: Path) -> str | None:
    """Why this profile cannot run here, or None."""
    base = next(k for k in sorted(NEEDS, key=len, reverse=True) if profile.startswith(k))
    if shutil.which(NEEDS[base]) is None:
        return f"{NEEDS[base]} not installed"
    if base == "basic-ftp" and not (cache / "node_modules" / "basic-ftp").is_dir():
        return "basic-ftp not installed under the cache"
    if base == "commons-net" and not COMMONS_NET_JAR.is_file():
        return f"{COMMONS_NET_JAR} missing (Debian's libcommons-net-java)"
    return None


def environment(f: Fetch) -> dict[str, str]:
    """An environment without the user's rc files or proxies."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HOME"] = str(f.home)
    env["NODE_PATH"] = str(f.cache / "node_modules")
    return env
