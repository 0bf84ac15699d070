"""The real clients, one command line per profile id of docs/clients.md, run with a hard cap
on their time and judged against ftpdoctor's prediction of them.

Each client fetches the same file the probe fetched (RETR of the target's path) with its
defaults, except where noted: certificates of the lab's own CA are passed to the ones that
speak TLS (a CA is trust, not behaviour), and rc files are kept out (`--norc`,
`--no-config`, an empty HOME) so that the machine's /etc and ~ change nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

# The small programs that drive ftplib, basic-ftp and commons-net.
HERE = Path(__file__).resolve().parents[1] / "clients"
REPO = Path(__file__).resolve().parents[2]
# basic-ftp (npm) and CommonsNetClient.class, put there by .ci/stage-clients.sh.
CACHE = REPO / "target" / "clients-cache"
# A client still running after this long is "hanging". Long enough for a JVM to start on a
# busy 2-core machine, far below every default timeout a client is predicted to hang on.
DEFAULT_CAP_S = 6.0
# What every client fetches (servers.anon_tree and the lab both serve it).
PATH = "/pub/readme.txt"
# The probe whose report holds the predictions: every profile, and a --deadline that
# leaves room for the sessions it replaces (the stages' --timeout is short).
PROBE_FLAGS = ["--clients", "all", "--deadline", "20s"]
COMMONS_NET_JAR = Path("/usr/share/java/commons-net.jar")


@dataclass(frozen=True)
class Fetch:
    """What one client run fetches."""

    host: str
    port: int
    # Relative to the login directory, as in the probe's URL (RFC 1738): a real server's
    # anonymous root need not be its "/" (vsftpd without chroot answers 550 to /pub/...).
    path: str
    ca: str | None
    cache: Path
    home: Path
    # Where the client writes the file: "works" needs it there, not just exit 0 (tnftp
    # exits 0 after a failed transfer it reported).
    out: Path

    @property
    def url(self) -> str:
        return f"ftp://{self.host}:{self.port}/{self.path}"


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
        return ["python3", str(HERE / "ftplib_client.py"), kind, f.host, str(f.port), f.path,
                str(f.out), *ca]

    return argv


def _basic_ftp(f: Fetch) -> list[str]:
    return ["node", str(HERE / "basic_ftp_client.mjs"), f.host, str(f.port), f.path, str(f.out)]


def _ncftp(extra: list[str]):
    # ncftpget -c writes the file to stdout: the shell sends it to the output file.
    return lambda f: ["sh", "-c", 'exec "$@" > "$0"', str(f.out), "ncftpget", *extra, "-c", "-P",
                      str(f.port), f.host, f.path]


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


@dataclass
class Observed:
    profile: str
    outcome: str  # works | fails | hangs | skipped
    seconds: float
    detail: str = ""


def run_client(profile: str, fetch: Fetch, cap: float, prefix: list[str] = ()) -> Observed:
    """Runs one client (under `prefix`, e.g. `ip netns exec NS`); what it did within `cap`."""
    why = missing(profile, fetch.cache)
    if why:
        return Observed(profile, "skipped", 0.0, why)
    # Each run its own empty HOME: what one client leaves there (ncftp's ~/.ncftp, lftp's
    # history) cannot change another run.
    home = fetch.home / profile
    home.mkdir(parents=True, exist_ok=True)
    fetch = dataclasses.replace(fetch, out=fetch.out / f"{profile}.out", home=home)
    fetch.out.unlink(missing_ok=True)
    argv = [*prefix, *COMMANDS[profile](fetch)]
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace",
                            env=environment(fetch), start_new_session=True)
    try:
        out, err = proc.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        took = time.monotonic() - started
        return Observed(profile, "hangs", took, f"still running at {cap:.0f} s")
    took = time.monotonic() - started
    text = (err.strip() or out.strip()).splitlines()
    last = text[-1][:160] if text else ""
    size = fetch.out.stat().st_size if fetch.out.is_file() else 0
    if proc.returncode == 0 and size > 0:
        return Observed(profile, "works", took, f"{size} bytes")
    if proc.returncode == 0:
        last = f"exit 0 without the file: {last}"
    return Observed(profile, "fails", took, last)


def run_all(profiles: list[str], fetch: Fetch, cap: float, prefix: list[str] = (),
            predictions: dict[str, dict] | None = None,
            at_once: int | None = None) -> dict[str, Observed]:
    """Every profile against the same target, `at_once` at a time (default: all at once),
    those predicted to hang started first: a hanging client costs no CPU, only the cap's wall
    time, which they then spend together."""
    hang_first = sorted(profiles, key=lambda p: (predictions or {}).get(p, {}).get(
        "prediction") != "hangs")
    with ThreadPoolExecutor(at_once or len(profiles) or 1) as pool:
        runs = list(pool.map(lambda p: run_client(p, fetch, cap, prefix), hang_first))
    return {p: next(o for o in runs if o.profile == p) for p in profiles}


def matches(predicted: str | None, observed: str) -> bool:
    """A prediction holds when the client did that; `depends` holds whatever it did."""
    if observed == "skipped" or predicted is None:
        return False
    return predicted == "depends" or predicted == observed


@dataclass
class Row:
    """One target's predictions (`clients` of its report, by id) and what each client did."""

    name: str
    predictions: dict[str, dict] = field(default_factory=dict)
    observed: dict[str, Observed] = field(default_factory=dict)
    error: str | None = None
    # (scenario, target) positions as declared, for the matrix's order.
    order: tuple[int, int] = (0, 0)

    def checked(self) -> list[str]:
        return [p for p, o in self.observed.items() if o.outcome != "skipped"]

    def mismatches(self) -> list[str]:
        return [p for p in self.checked()
                if not matches(self.predictions.get(p, {}).get("prediction"),
                               self.observed[p].outcome)]

    def describe(self, profile: str) -> str:
        pred = self.predictions.get(profile, {})
        o = self.observed[profile]
        return (f"{profile}: predicted {pred.get('prediction')} ({pred.get('reason')}),"
                f" observed {o.outcome} in {o.seconds:.1f} s: {o.detail}")


SHORT = {"works": "W", "fails": "F", "hangs": "H", "depends": "D", "skipped": "-", None: "?"}


def print_matrix(rows: list[Row], profiles: list[str]) -> None:
    """The whole predicted-against-observed matrix, one row per target, one column per client."""
    if not rows:
        return
    print("\npredicted/observed per target and client (W works, F fails, H hangs at the cap,"
          " D depends, - not run, ? no prediction; ! marks a mismatch)")
    width = max(len(r.name) for r in rows)
    print(" " * width + "  " + " ".join(f"{i:>5}" for i in range(len(profiles))))
    for row in rows:
        cells = []
        for p in profiles:
            pred = row.predictions.get(p, {}).get("prediction")
            obs = row.observed.get(p)
            o = obs.outcome if obs else "skipped"
            mark = " " if matches(pred, o) or o == "skipped" else "!"
            cells.append(f"{SHORT.get(pred, '?')}/{SHORT[o]}{mark}".rjust(5))
        error = f"  {row.error}" if row.error else ""
        print(f"{row.name:<{width}}  " + " ".join(cells) + error)
    print("columns: " + ", ".join(f"{i} {p}" for i, p in enumerate(profiles)))
    checked = sum(len(r.checked()) for r in rows)
    agree = checked - sum(len(r.mismatches()) for r in rows)
    print(f"matrix: {len(rows)} targets x {len(profiles)} clients, {checked} run,"
          f" {agree} agree with the prediction", flush=True)
    # How close a client that finished came to the cap: the margin that running the clients
    # at once leaves on this machine.
    done = [(o.seconds, r.name, o.profile) for r in rows for o in r.observed.values()
            if o.outcome in ("works", "fails")]
    if done:
        took, name, profile = max(done)
        print(f"slowest client that finished: {profile} on {name} in {took:.1f} s", flush=True)


class ClientStage:
    """What a stage of real clients adds to runner.Stage (mixed in before it): the clients,
    their cap, a work folder, the rows of the matrix, and the check every case runs."""

    def __init__(self):
        super().__init__()
        self.rows: list[Row] = []
        self.profiles = list(COMMANDS)
        self.cap = DEFAULT_CAP_S
        # One folder per case for the clients' empty HOMEs (no rc files) and downloads; made
        # by setup().
        self.work = None

    def at_once(self, target: str) -> int:
        """How many clients of one case run at once against `target`: all of them, unless
        the stage knows the server admits fewer sessions."""
        return len(self.profiles)

    def make_work(self):
        self.work = Path(tempfile.mkdtemp(prefix=f"ftpdoctor-{self.name}-"))

    def remove_work(self):
        if self.work:
            shutil.rmtree(self.work, ignore_errors=True)

    def verify(self, c, ctx, name: str, extra=(), client=None, ca=None, host=None, port=None,
               reachable=True, probe_path=PATH, fetch_path=PATH):
        """Probes `probe_path` once (`extra` added), runs every client against the same
        target under `client`'s prefix, fetching `fetch_path`, and records each prediction
        the client did not bear out. `reachable`: the probe must log in (so that a broken
        environment, where every client and the probe hang alike, cannot pass as agreement)."""
        row = Row(name)
        # The matrix lists rows in declaration order, whichever case finished first.
        names = [s.name for s in self.scenarios]
        row.order = (names.index(ctx.scenario.name), self.targets.index(ctx.target))
        self.rows.append(row)
        p = ctx.probe(path=probe_path, extra=["--tls", "auto", *PROBE_FLAGS, *extra],
                      client=client)
        login = p.report["control"].get("login")
        c.that((login == "ok") == reachable, f"the probe's login: {login}")
        row.predictions = {x["id"]: x for x in p.report.get("clients", [])}
        c.that(set(row.predictions) >= set(self.profiles),
               f"predictions for {sorted(row.predictions)}")
        case = self.work / name.replace("/", "-")
        case.mkdir(exist_ok=True)
        fetch = Fetch(host, port, fetch_path.lstrip("/"), str(ca) if ca else None, CACHE,
                      case / "home", case)
        row.observed = run_all(self.profiles, fetch, self.cap, self.case_prefix(ctx, client),
                               row.predictions, self.at_once(ctx.target))
        findings = sorted(f["id"] for f in p.report["findings"])
        for profile in row.mismatches():
            c.that(False, f"{row.describe(profile)}; findings {findings}")
        ran = row.checked()
        slowest = max((row.observed[q] for q in ran), key=lambda o: o.seconds, default=None)
        c.note = f"{len(ran) - len(row.mismatches())}/{len(ran)} clients as predicted"
        if slowest:
            c.note += f", slowest {slowest.profile} {slowest.seconds:.1f} s"
        if not ran:
            c.that(False, "no client could run (.ci/stage-clients.sh installs them)")

    def summary(self):
        self.rows.sort(key=lambda r: r.order)
        print_matrix(self.rows, self.profiles)
        out = REPO / "target" / f"{self.name}-matrix.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps([
            {"target": r.name, "clients": {p: {"predicted": r.predictions.get(p),
                                               "observed": vars(r.observed[p])}
                                           for p in r.observed}} for r in self.rows], indent=1))
