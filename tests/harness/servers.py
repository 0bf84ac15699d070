"""Real FTP servers for the interop and netns stages: fetched once, started with throw-away configs.

vsftpd, ProFTPD and Pure-FTPd come from Debian (`apt-get download` + `dpkg -x` into separate
folders, because the packages conflict with each other); pyftpdlib from PyPI in a virtualenv.
Everything lands under a cache folder (target/interop-cache by default) that later runs reuse.
Nothing here reads or changes the machine's /etc: what a server needs there (Pure-FTPd's `ftp`
user, a test's /etc/ftpusers) it sees through an overlay in a private mount namespace.
"""

import contextlib
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import state

DEBS = [
    "vsftpd", "proftpd-basic", "proftpd-core", "pure-ftpd", "pure-ftpd-common",
    "libwrap0", "libhiredis0.14", "libmemcached11", "libmemcachedutil2", "libhashkit2",
    "libpcre2-posix3",
    # ProFTPD's mod_tls is a loadable module in its own package.
    "proftpd-mod-crypto", "libsodium23",
]
PYFTPDLIB = ["pyftpdlib==2.2.0", "pyOpenSSL==26.4.0"]
TOOLS = Path(__file__).resolve().parent / "tools"
# A server that has not printed its port or opened it by then will not: its log says why.
START_TIMEOUT = 10.0
SERVERS = ["vsftpd", "proftpd", "pureftpd", "pyftpdlib"]
# The versions the pinned packages above carry (Debian bookworm), for fixture names.
VERSIONS = {"vsftpd": "3.0.3", "proftpd": "1.3.8", "pureftpd": "1.0.50", "pyftpdlib": "2.2.0"}


def log(msg):
    print(msg, flush=True)


def ensure_installed(cache: Path):
    """Downloads and unpacks what is missing; returns nothing, raises on failure."""
    debs = cache / "debs"
    root = cache / "root"
    debs.mkdir(parents=True, exist_ok=True)
    missing = [p for p in DEBS if not list(debs.glob(f"{p}_*.deb"))]
    if missing:
        log(f"interop: apt-get download {' '.join(missing)}")
        cmd = ["apt-get", "download", *missing]
        if subprocess.run(cmd, cwd=debs, capture_output=True).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(cmd, cwd=debs, check=True, capture_output=True)
    for pkg in DEBS:
        dest = root / pkg
        if not dest.exists():
            deb = sorted(debs.glob(f"{pkg}_*.deb"))[-1]
            tmp = root / f".{pkg}.tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            subprocess.run(["dpkg", "-x", str(deb), str(tmp)], check=True)
            tmp.rename(dest)
    if shutil.which("openssl") is None:
        # The FTPS scenarios make their certificates with the openssl command.
        log("interop: apt-get install openssl")
        cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "openssl"]
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if subprocess.run(cmd, capture_output=True, env=env).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(cmd, check=True, capture_output=True, env=env)
    venv = cache / "venv"
    if not (venv / "bin" / "python").exists() or subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import pyftpdlib, OpenSSL"], capture_output=True
    ).returncode != 0:
        log(f"interop: pip install {' '.join(PYFTPDLIB)} into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PYFTPDLIB], check=True)


def lib_path(cache: Path) -> str:
    dirs = []
    for pkg in DEBS:
        for sub in ("usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu"):
            d = cache / "root" / pkg / sub
            if d.is_dir():
                dirs.append(str(d))
    return ":".join(dirs)


def free_port(host="127.0.0.1") -> int:
    """A port the kernel just handed out and took back: free now, and unlikely to be reused soon."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def anon_tree(base: Path, files: dict[str, int] | None = None) -> Path:
    """The anonymous root every server serves: /pub/readme.txt, world-readable, owned by root,
    and `files` (name -> size in bytes) beside it, of pseudo-random bytes."""
    root = base / "anon"
    (root / "pub").mkdir(parents=True, exist_ok=True)
    (root / "pub" / "readme.txt").write_text("ftpdoctor interop test file\n")
    for name, size in (files or {}).items():
        (root / "pub" / name).write_bytes(os.urandom(size))
        (root / "pub" / name).chmod(0o644)
    for p in (root, root / "pub"):
        p.chmod(0o755)
    (root / "pub" / "readme.txt").chmod(0o644)
    return root


@dataclass
class Options:
    """One server configuration. `pasv_address` None means the server's own address."""
    listen: str = "127.0.0.1"
    # None: a free port on `listen`. Inside a namespace of our own, 21 is ours to take.
    port: int | None = None
    pasv_address: str | None = None
    max_clients: int | None = None
    pasv_ports: tuple[int, int] | None = None
    # Command prefix, e.g. ["ip", "netns", "exec", "srv"] to run inside a namespace.
    prefix: list[str] = field(default_factory=list)
    # Explicit FTPS (AUTH TLS) offered, not required, with a certificate from a throw-away CA.
    tls: bool = False
    # Implicit FTPS instead (TLS from the first byte; vsftpd and ProFTPD only).
    implicit: bool = False
    # An /etc/ftpusers listing these users, seen by this server only (Debian's proftpd-core
    # installs one that lists `nobody`): the configs must not depend on the machine's.
    ftpusers: tuple[str, ...] | None = None
    # More files in /pub: name -> size in bytes (the large file of the MTU-hole scenarios).
    files: dict[str, int] | None = None
    # vsftpd's anon_max_rate (bytes per second): a slow, long transfer.
    max_rate: int | None = None


# Every address a server's certificate must name: loopback and the netns lab's.
CERT_IPS = ["127.0.0.1", "203.0.113.1", "10.77.0.2"]


def make_certs(work: Path) -> dict:
    """A CA and a server certificate it signed (EC P-256: quick to make), for one server."""
    paths = {k: work / f"{k}.pem" for k in ("ca", "ca-key", "cert", "key")}
    sans = ",".join(f"IP:{ip}" for ip in CERT_IPS)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*a):
        subprocess.run(["openssl", *a], check=True, capture_output=True)

    run("req", "-x509", *ec, "-keyout", str(paths["ca-key"]), "-out", str(paths["ca"]),
        "-days", "365", "-subj", "/CN=ftpdoctor interop CA")
    csr = work / "server.csr"
    run("req", *ec, "-keyout", str(paths["key"]), "-out", str(csr), "-subj", "/CN=lab server")
    ext = work / "ext.cnf"
    ext.write_text(f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(paths["ca"]), "-CAkey",
        str(paths["ca-key"]), "-CAcreateserial", "-out", str(paths["cert"]), "-days", "365",
        "-extfile", str(ext))
    for p in paths.values():
        p.chmod(0o644)
    return paths


class Running:
    """A started server; stop() kills it and its process group."""

    def __init__(self, name, proc, host, port, workdir, logfile, ca=None):
        self.name, self.proc, self.host, self.port, self.workdir, self.logfile = (
            name, proc, host, port, workdir, logfile)
        # The CA file to give the probe (--ca-file) when the server speaks TLS.
        self.ca = ca
        state.remember_server(proc.pid, workdir)

    def stop(self):
        self._stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
        state.forget_server(self.proc.pid)

    def _stop(self):
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)

    def log_text(self):
        try:
            return Path(self.logfile).read_text(errors="replace")[-2000:]
        except OSError:
            return ""


def start(name: str, cache: Path, opts: Options) -> Running:
    work = Path(tempfile.mkdtemp(prefix=f"ftpdoctor-{name}-"))
    work.chmod(0o755)
    anon = anon_tree(work, opts.files)
    port = opts.port if opts.port is not None else free_port(opts.listen)
    env = dict(os.environ, LD_LIBRARY_PATH=lib_path(cache))
    builder = {"vsftpd": _vsftpd, "proftpd": _proftpd, "pureftpd": _pureftpd,
               "pyftpdlib": _pyftpdlib}[name]
    certs = make_certs(work) if opts.tls or opts.implicit else None
    cmd, etc = builder(cache, work, anon, port, opts, certs)
    if opts.ftpusers is not None:
        etc["ftpusers"] = "".join(u + "\n" for u in opts.ftpusers)
    logfile = work / "server.log"
    with open(logfile, "wb") as out:
        proc = subprocess.Popen(opts.prefix + private_etc(work, etc) + cmd, stdout=out,
                                stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                cwd=work)
    server = Running(name, proc, opts.listen, port, work, logfile,
                     certs["ca"] if certs else None)
    if not _wait_listening(server, opts):
        text = server.log_text()
        server.stop()
        raise RuntimeError(f"{name} did not start on {opts.listen}:{port}: {text}")
    return server


def private_etc(work: Path, files: dict) -> list[str]:
    """A command prefix under which /etc holds `files` (name -> text) on top of the machine's
    own, in a private mount namespace (an overlay): nothing outside it sees them."""
    if not files:
        return []
    upper, scratch = work / "etc-upper", work / "etc-work"
    upper.mkdir()
    scratch.mkdir()
    for name, text in files.items():
        (upper / name).write_text(text)
        (upper / name).chmod(0o644)
    script = (f'mount -t overlay overlay -o lowerdir=/etc,upperdir="{upper}",workdir="{scratch}"'
              ' /etc && exec "$@"')
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"]


def can_overlay_etc() -> str | None:
    """None when private_etc() works here, else why not (a container without the rights)."""
    work = Path(tempfile.mkdtemp(prefix="ftpdoctor-overlay-"))
    try:
        cmd = private_etc(work, {"ftpdoctor-probe": "x\n"}) + ["true"]
        got = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return None if got.returncode == 0 else (got.stderr.strip() or "unshare -m failed")
    except (OSError, subprocess.SubprocessError) as e:
        return str(e)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_listening(server: Running, opts: Options) -> bool:
    """Waits until the control port answers with a 220 line (not merely accepts)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            return False
        probe = opts.prefix + [sys.executable, str(TOOLS / "banner.py"), opts.listen,
                               str(server.port)] + (["tls"] if opts.implicit else [])
        got = subprocess.run(probe, capture_output=True, timeout=START_TIMEOUT)
        if got.returncode == 0:
            return True
        time.sleep(0.1)
    return False


def _vsftpd(cache, work, anon, port, o, certs):
    empty = work / "empty"
    empty.mkdir()
    lines = [
        *(["listen=NO", "listen_ipv6=YES", f"listen_address6={o.listen}"] if ":" in o.listen
          else ["listen=YES", "listen_ipv6=NO", f"listen_address={o.listen}"]),
        f"listen_port={port}",
        "background=NO", "run_as_launching_user=YES", "ftp_username=nobody",
        "anonymous_enable=YES", "local_enable=NO", "write_enable=NO", f"anon_root={anon}",
        "no_anon_password=YES", f"secure_chroot_dir={empty}", "seccomp_sandbox=NO",
        "connect_from_port_20=NO", "pasv_enable=YES", "port_enable=YES",
        "xferlog_enable=NO", "dirmessage_enable=NO", "use_localtime=NO",
    ]
    if o.pasv_address:
        lines.append(f"pasv_address={o.pasv_address}")
    if o.max_clients:
        lines += [f"max_clients={o.max_clients}", f"max_per_ip={o.max_clients}"]
    if o.max_rate:
        lines.append(f"anon_max_rate={o.max_rate}")
    if o.pasv_ports:
        lines += [f"pasv_min_port={o.pasv_ports[0]}", f"pasv_max_port={o.pasv_ports[1]}"]
    if certs:
        # require_ssl_reuse stays at its default (YES): the data channel must resume.
        lines += ["ssl_enable=YES", f"rsa_cert_file={certs['cert']}",
                  f"rsa_private_key_file={certs['key']}", "allow_anon_ssl=YES",
                  "force_anon_logins_ssl=NO", "force_anon_data_ssl=NO",
                  "ssl_tlsv1=NO", "ssl_sslv2=NO", "ssl_sslv3=NO"]
        if o.implicit:
            lines.append("implicit_ssl=YES")
    conf = work / "vsftpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    return [str(cache / "root/vsftpd/usr/sbin/vsftpd"), str(conf)], {}


def _proftpd(cache, work, anon, port, o, certs):
    lines = [
        'ServerName "lab proftpd"', "ServerType standalone", "DefaultServer on",
        f"DefaultAddress {o.listen}", f"Port {port}", "SocketBindTight on",
        f"UseIPv6 {'on' if ':' in o.listen else 'off'}",
        "User nobody", "Group nogroup", "DelayTable none", "UseReverseDNS off",
        "WtmpLog off", "TransferLog none", f"ScoreboardFile {work}/scoreboard",
        f"PidFile {work}/proftpd.pid", "RequireValidShell off", "AuthOrder mod_auth_unix.c",
        "AllowForeignAddress off",
        # The anonymous user is `nobody`, which Debian's /etc/ftpusers lists: never read it.
        "UseFtpUsers off",
    ]
    if o.pasv_address:
        lines.append(f"MasqueradeAddress {o.pasv_address}")
    if o.max_clients:
        lines += [f"MaxInstances {o.max_clients + 1}", f"MaxClients {o.max_clients}",
                  f"MaxClientsPerHost {o.max_clients}"]
    if o.pasv_ports:
        lines.append(f"PassivePorts {o.pasv_ports[0]} {o.pasv_ports[1]}")
    if certs:
        crypto = cache / "root/proftpd-mod-crypto/usr/lib/proftpd"
        lines += [
            f"ModulePath {crypto}", "LoadModule mod_tls.c", "TLSEngine on",
            "TLSRequired off", "TLSProtocol TLSv1.2 TLSv1.3", f"TLSLog {work}/tls.log",
            f"TLSECCertificateFile {certs['cert']}",
            f"TLSECCertificateKeyFile {certs['key']}", "TLSVerifyClient off",
        ]
        if o.implicit:
            lines.append("TLSOptions UseImplicitSSL")
    lines += [
        f"<Anonymous {anon}>", "  User nobody", "  Group nogroup",
        "  UserAlias anonymous nobody", "  RequireValidShell off",
        "  <Limit WRITE>", "    DenyAll", "  </Limit>", "</Anonymous>",
    ]
    conf = work / "proftpd.conf"
    conf.write_text("\n".join(lines) + "\n")
    return [str(cache / "root/proftpd-core/usr/sbin/proftpd"), "-n", "-q", "-c", str(conf)], {}


def _pureftpd(cache, work, anon, port, o, certs):
    # Pure-FTPd serves anonymous users from the home of the system user `ftp`. Rather than touch
    # the machine's /etc/passwd, a private mount namespace sees a copy with that user added.
    text = Path("/etc/passwd").read_text()
    text = "".join(line + "\n" for line in text.splitlines() if not line.startswith("ftp:"))
    passwd = text + f"ftp:x:65534:65534:ftp:{anon}:/usr/sbin/nologin\n"
    # -H: no reverse DNS of clients (never ask a resolver); -4: IPv4 only, unless on ::1.
    args = [str(cache / "root/pure-ftpd/usr/sbin/pure-ftpd"), "-S", f"{o.listen},{port}",
            "-e", "-H"] + ([] if ":" in o.listen else ["-4"])
    if o.pasv_address:
        args += ["-P", o.pasv_address]
    if o.max_clients:
        args += ["-c", str(o.max_clients), "-C", str(o.max_clients)]
    if o.pasv_ports:
        args += ["-p", f"{o.pasv_ports[0]}:{o.pasv_ports[1]}"]
    if o.implicit:
        raise RuntimeError("Pure-FTPd 1.0.50 has no implicit FTPS")
    if certs:
        args += ["-Y", "1", "-2", f"{certs['cert']},{certs['key']}"]
    return args, {"passwd": passwd}


def _pyftpdlib(cache, work, anon, port, o, certs):
    args = [str(cache / "venv/bin/python"), str(TOOLS / "pyftpd_server.py"),
            "--listen", o.listen, "--port", str(port), "--root", str(anon)]
    if o.pasv_address:
        args += ["--masquerade", o.pasv_address]
    if o.max_clients:
        args += ["--max-cons", str(o.max_clients)]
    if o.pasv_ports:
        args += ["--passive-ports", f"{o.pasv_ports[0]}-{o.pasv_ports[1]}"]
    if o.implicit:
        raise RuntimeError("pyftpdlib has no implicit FTPS")
    if certs:
        args += ["--cert", str(certs["cert"]), "--key", str(certs["key"])]
    return args, {}


def start_lab(binary: Path, scenario: str, listen="127.0.0.1", prefix=(), fault=False,
              ca_out: Path | None = None, extra=()) -> Running:
    """`ftpdoctor lab --scenario NAME` (or `--fault NAME`) on a free port of `listen`, as a
    Running like the real servers; its first stdout line is its URL. `extra`: more options
    (`--data-timeout 60s`)."""
    work = Path(tempfile.mkdtemp(prefix="ftpdoctor-lab-"))
    host = f"[{listen}]" if ":" in listen else listen
    cmd = [str(binary), "lab", "--fault" if fault else "--scenario", scenario,
           "--listen", f"{host}:0"]
    if ca_out is not None:
        cmd += ["--ca-out", str(ca_out)]
    cmd += list(extra)
    logfile = work / "server.log"
    with open(logfile, "wb") as err:
        proc = subprocess.Popen([*prefix, *cmd], stdout=subprocess.PIPE, stderr=err,
                                start_new_session=True, cwd=work)
    server = Running(f"lab-{scenario}", proc, listen, 0, work, logfile, ca_out)
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    url = proc.stdout.readline().decode(errors="replace").strip() if ready else ""
    if not url.startswith(("ftp://", "ftps://")):
        server.stop()
        raise RuntimeError(f"lab {scenario} did not start: {url!r} {server.log_text()}")
    server.port = int(url.rstrip("/").rsplit(":", 1)[1])
    return server
