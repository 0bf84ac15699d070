"""What a run leaves on the machine, written down so that the next run can remove it when this
one was killed (SIGKILL, a CI timeout) before its own cleanup ran.

Each run owns STATE_ROOT/<pid>/: a `runner` file with its start time, and one `server-<pgid>`
file per server process group it started (start time and work folder). Network namespaces are
named `ftpdoctor<pid>-<role>`, each with its /etc/netns/<name>/. At start, sweep() removes
everything of runs whose process is gone: it kills their servers' process groups (by id, only
when the group leader's start time still matches, so a reused pid is never hit), deletes their
work folders, namespaces and /etc/netns folders.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

STATE_ROOT = Path(tempfile.gettempdir()) / "ftpdoctor-harness"
# Recognisable in `ip netns list`; the pid tells whose it is.
NS_PREFIX = "ftpdoctor"
NS_PATTERN = re.compile(rf"^{NS_PREFIX}(\d+)-")
# Each namespace's own resolv.conf lives in /etc/netns/NAME (nat.py).
ETC_NETNS = Path("/etc/netns")


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat field 22), or None
    when there is no such process: with the pid it names one process for good."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    return stat.rsplit(")", 1)[1].split()[19]


def alive(pid: int, started: str | None) -> bool:
    now = start_time(pid)
    return now is not None and (started is None or now == started)


def ns_name(role: str) -> str:
    """This run's name for a network namespace playing `role` (srv, rtr, cli, ...)."""
    return f"{NS_PREFIX}{os.getpid()}-{role}"


def _mine() -> Path:
    return STATE_ROOT / str(os.getpid())


def claim() -> list[str]:
    """Sweeps what dead runs left, then registers this run; returns what was removed."""
    removed = sweep()
    d = _mine()
    d.mkdir(parents=True, exist_ok=True)
    (d / "runner").write_text(start_time(os.getpid()) or "")
    return removed


def release():
    """This run cleaned up after itself: its record goes."""
    shutil.rmtree(_mine(), ignore_errors=True)


def remember_server(pgid: int, workdir: Path):
    d = _mine()
    d.mkdir(parents=True, exist_ok=True)
    (d / f"server-{pgid}").write_text(f"{start_time(pgid) or ''}\n{workdir}\n")


def forget_server(pgid: int):
    (_mine() / f"server-{pgid}").unlink(missing_ok=True)


def _namespaces() -> list[str]:
    try:
        got = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.split()[0] for line in got.stdout.splitlines() if line.strip()]


def sweep() -> list[str]:
    removed = []
    dead_pids = set()
    if STATE_ROOT.is_dir():
        for run in STATE_ROOT.iterdir():
            if not run.name.isdigit() or int(run.name) == os.getpid():
                continue
            pid = int(run.name)
            try:
                started = (run / "runner").read_text().strip() or None
            except OSError:
                started = None
            if alive(pid, started):
                continue
            dead_pids.add(pid)
            for record in run.glob("server-*"):
                removed += _kill_server(int(record.name.split("-", 1)[1]), record)
            shutil.rmtree(run, ignore_errors=True)
    for ns in _namespaces():
        if _dead(ns, dead_pids):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
            removed.append(f"namespace {ns}")
    if ETC_NETNS.is_dir():
        for etc in ETC_NETNS.iterdir():
            if _dead(etc.name, dead_pids):
                shutil.rmtree(etc, ignore_errors=True)
                removed.append(f"{etc}")
    return removed


def _dead(ns: str, dead_pids: set[int]) -> bool:
    """A namespace name of ours whose run is gone."""
    m = NS_PATTERN.match(ns)
    return bool(m) and (int(m.group(1)) in dead_pids or start_time(int(m.group(1))) is None)


def _kill_server(pgid: int, record: Path) -> list[str]:
    try:
        started, workdir = record.read_text().splitlines()[:2]
    except (OSError, ValueError):
        return []
    removed = []
    if started and alive(pgid, started):
        try:
            os.killpg(pgid, signal.SIGKILL)
            removed.append(f"server process group {pgid}")
        except (ProcessLookupError, PermissionError):
            pass
    if workdir and Path(workdir).name.startswith("ftpdoctor-"):
        shutil.rmtree(workdir, ignore_errors=True)
    return removed
