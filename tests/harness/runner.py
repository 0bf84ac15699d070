"""The one runner every stage uses: options, the case loop, error handling, failure artefacts,
the per-case and summary lines, and cleanup (also of what a killed earlier run left).

A stage (interop.py, netns.py) only declares its scenarios and its environment by subclassing
Stage. Every check has one signature, `check(c: Check, ctx: Context) -> None`: it probes with
ctx.probe(...) and records failed expectations with c.that(...).
"""

import argparse
import json
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from . import servers, state
from .reports import Check, ids, status

REPO = Path(__file__).resolve().parents[2]
# Short per-step timeout: every server is on loopback or in our namespaces, so 2 s is only
# ever hit by a real hang (or by a scenario that blocks something on purpose).
TIMEOUT_S = 2.0
# One probe is bounded by its own --deadline; this only catches a hung binary.
PROBE_CAP_S = 60
# Exit status of a stage that cannot run on this machine (the caller says SKIPPED).
SKIPPED_EXIT = 3


@dataclass
class Options:
    """The command line every stage shares, parsed once."""

    bin: Path
    cache: Path
    # Run only this server (or client, for a stage of clients) and only this scenario.
    only: str | None = None
    scenario: str | None = None
    # Append one JSON line per case here.
    results: Path | None = None
    # Record the servers' raw replies into this folder instead of running the checks.
    capture: Path | None = None
    # Where failing cases leave their reports, stderr and server log.
    artefacts: Path = REPO / "target" / "harness-failures"


@dataclass(frozen=True)
class Scenario:
    """One scenario: a check, the server options it needs (servers.Options fields) and the
    stage's own environment settings (e.g. the NAT router's firewall)."""

    name: str
    check: Callable[["Check", "Context"], None]
    server: dict = field(default_factory=dict)
    env: dict = field(default_factory=dict)
    # Only these targets can be configured for it (None: every one).
    only: frozenset[str] | None = None


class Skip(Exception):
    """A case, scenario or whole stage cannot run on this machine: said, not failed."""


@dataclass
class Probe:
    """One run of `ftpdoctor probe --format json`."""

    cmd: list[str]
    code: int
    stdout: str
    stderr: str
    report: dict
    took: float


class Context:
    """What a check sees: the target's name, the running server, and a way to probe it."""

    def __init__(self, stage, opts: Options, target: str, running, scenario=None):
        self.stage, self.opts, self.target, self.running = stage, opts, target, running
        self.scenario = scenario
        self.probes: list[Probe] = []
        # Raw runs that gave no report (the binary crashed or printed no JSON).
        self.broken: list[subprocess.CompletedProcess] = []

    @property
    def ca(self):
        return self.running.ca

    def probe(self, path="/pub/", extra=(), tls=False, implicit=False, client=None) -> Probe:
        """Plain FTP (`--tls off`) unless `extra` names --tls; explicit FTPS verified with the
        server's CA with `tls`, implicit (an ftps:// URL) with `implicit`. `client` picks the
        stage's client environment (a namespace) where it has several."""
        tls_args = []
        if tls:
            tls_args = ["--tls", "explicit", "--ca-file", str(self.ca)]
        elif implicit:
            tls_args = ["--ca-file", str(self.ca)]
        elif "--tls" not in extra:
            tls_args = ["--tls", "off"]
        url = f"{'ftps' if implicit else 'ftp'}://{self.stage.address(self.running)}{path}"
        cmd = [str(self.opts.bin), "probe", url, "--format", "json", "--timeout",
               f"{TIMEOUT_S:g}s", "--transcript", *tls_args, *extra]
        full = self.stage.case_prefix(self, client) + cmd
        t0 = time.monotonic()
        got = subprocess.run(full, capture_output=True, text=True, timeout=PROBE_CAP_S)
        took = time.monotonic() - t0
        try:
            report = json.loads(got.stdout)
        except json.JSONDecodeError:
            self.broken.append(got)
            detail = f"no JSON report (exit {got.returncode}): {got.stderr[-500:]}"
            raise AssertionError(detail) from None
        p = Probe(cmd, got.returncode, got.stdout, got.stderr, report, took)
        self.probes.append(p)
        return p


class Stage:
    """A stage declares `name`, `scenarios` and its environment; the runner does the rest."""

    name = "stage"
    scenarios: list[Scenario] = []
    targets = servers.SERVERS
    # Cases run at once. Above 1, cases of the same lane() still run one after another (they
    # share an environment) and prepare() must not change anything cases share: it is called
    # for every scenario before the first case starts.
    parallel = 1

    def setup(self, opts: Options):
        """Builds the stage's environment once; raises Skip when this machine cannot."""

    def teardown(self):
        """Removes the environment; called on every exit, signals included."""

    def prepare(self, scenario: Scenario):
        """Sets the environment up for one scenario; raises Skip when it cannot be."""

    def skip(self, target: str, scenario: Scenario) -> str | None:
        """Why this case cannot run on this machine, or None."""
        return None

    def start(self, target: str, scenario: Scenario, opts: Options):
        """Starts the target for a scenario; returns an object with stop(), log_text(), ca."""
        raise NotImplementedError

    def address(self, running) -> str:
        """host:port as the client dials it."""
        raise NotImplementedError

    def client_prefix(self, client) -> list[str]:
        """The command prefix that runs a client in `client`'s environment."""
        return []

    def case_prefix(self, ctx: "Context", client) -> list[str]:
        """The prefix for a client of one case (a stage with one environment per lane picks
        that lane's here)."""
        return self.client_prefix(client)

    def lane(self, target: str, scenario: Scenario) -> str:
        """Cases of one lane share an environment and never run at the same time."""
        return ""

    def capture(self, opts: Options):
        """Records the servers' raw replies (--capture)."""
        raise Skip(f"the {self.name} stage has no capture")

    def summary(self):
        """Prints what the stage gathered across its cases (after the last one)."""


def parse(stage: Stage, argv) -> Options:
    ap = argparse.ArgumentParser(description=f"the {stage.name} stage (tests/harness)")
    ap.add_argument("--bin", default=str(REPO / "target/debug/ftpdoctor"))
    ap.add_argument("--cache", default=str(REPO / "target/interop-cache"))
    ap.add_argument("--only", choices=stage.targets)
    ap.add_argument("--scenario", choices=[s.name for s in stage.scenarios])
    ap.add_argument("--results", help="append one JSON line per case here")
    ap.add_argument("--capture", help="write the servers' raw replies into this folder")
    a = ap.parse_args(argv)
    opt = lambda v: Path(v) if v else None  # noqa: E731
    return Options(bin=Path(a.bin), cache=Path(a.cache), only=a.only, scenario=a.scenario,
                   results=opt(a.results), capture=opt(a.capture))


def _on_signal(signum, _frame):
    # SystemExit unwinds through every `finally`: servers stop, namespaces go.
    raise SystemExit(128 + signum)


def main(stage: Stage, argv=None) -> int:
    opts = parse(stage, sys.argv[1:] if argv is None else argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    started = time.monotonic()
    for what in state.claim():
        print(f"{stage.name}: removed {what} left by a killed run", flush=True)
    try:
        try:
            stage.setup(opts)
        except Skip as e:
            print(f"{stage.name}: cannot run here ({e}): stage SKIPPED", flush=True)
            return SKIPPED_EXIT
        if opts.capture:
            opts.capture.mkdir(parents=True, exist_ok=True)
            stage.capture(opts)
            return 0
        passed, failed = _run_cases(stage, opts)
        stage.summary()
    finally:
        stage.teardown()
        state.release()
    took = time.monotonic() - started
    print(f"{stage.name}: {passed} passed, {failed} failed in {took:.1f} s", flush=True)
    return 1 if failed else 0


# One case's lines at a time when cases run at once.
_OUTPUT = threading.Lock()


def _run_cases(stage: Stage, opts: Options) -> tuple[int, int]:
    """Every selected case: in declaration order, or `stage.parallel` lanes at once."""
    lanes: dict[str, list] = {}
    passed = failed = 0
    for scenario in stage.scenarios:
        if opts.scenario and scenario.name != opts.scenario:
            continue
        targets = [t for t in stage.targets if not opts.only or t == opts.only]
        try:
            stage.prepare(scenario)
        except Skip as e:
            for target in targets:
                _line(stage, target, scenario, f"SKIPPED ({e})")
            continue
        for target in targets:
            if scenario.only is not None and target not in scenario.only:
                _line(stage, target, scenario, "n/a (the server cannot do it)")
                continue
            why = stage.skip(target, scenario)
            if why:
                _line(stage, target, scenario, f"SKIPPED ({why})")
                continue
            if stage.parallel > 1:
                lanes.setdefault(stage.lane(target, scenario), []).append((target, scenario))
                continue
            ok = _case(stage, opts, target, scenario)
            passed, failed = passed + (ok is True), failed + (ok is False)
    if lanes:
        with ThreadPoolExecutor(stage.parallel) as pool:
            done = pool.map(lambda cases: [_case(stage, opts, t, s) for t, s in cases],
                            lanes.values())
            oks = [ok for lane in done for ok in lane]
        passed, failed = oks.count(True), oks.count(False)
    return passed, failed


def _case(stage: Stage, opts: Options, target: str, scenario: Scenario) -> bool | None:
    """Runs one case and prints its lines; True passed, False failed, None skipped."""
    t0 = time.monotonic()
    c, report, skipped = _run_case(stage, opts, target, scenario)
    took = time.monotonic() - t0
    note = f"; {c.note}" if c.note else ""
    with _OUTPUT:
        _record(opts, stage, target, scenario, c, report)
        if skipped:
            _line(stage, target, scenario, f"SKIPPED ({skipped})")
            return None
        if c.errors:
            _line(stage, target, scenario, f"FAIL ({took:.1f} s{note})")
            for e in c.errors:
                print("    " + e.replace("\n", "\n    "), flush=True)
            return False
        _line(stage, target, scenario, f"ok ({took:.1f} s{note})")
        return True


def _line(stage, target, scenario, outcome):
    print(f"{stage.name}: {target:9} {scenario.name:20} {outcome}", flush=True)


def _run_case(stage: Stage, opts: Options, target: str, scenario: Scenario):
    """Runs one check; returns (Check, the last report or None, skip reason or None)."""
    c = Check()
    ctx = None
    try:
        running = stage.start(target, scenario, opts)
        try:
            ctx = Context(stage, opts, target, running, scenario)
            scenario.check(c, ctx)
        except Skip:
            raise
        except Exception as e:  # noqa: BLE001 - any failure of a check is that case's failure
            c.errors.append(_describe(e))
        finally:
            if c.errors:
                _save_artefacts(opts, stage, target, scenario, c, ctx, running.log_text())
            running.stop()
    except Skip as e:
        return c, None, str(e)
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        # The server did not start, or the environment broke: the case failed.
        c.errors.append(_describe(e))
    report = ctx.probes[-1].report if ctx and ctx.probes else None
    return c, report, None


def _describe(e: Exception) -> str:
    """The error and where in a check it happened (file:line), without the whole traceback."""
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if "tests/harness" in f.filename and not f.filename.endswith("runner.py")]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(e).__name__}{where}: {e}"


def _save_artefacts(opts, stage, target, scenario, c, ctx, server_log):
    """A failing case leaves its reports, commands, stderr and the server's log in one folder."""
    out = opts.artefacts / stage.name / f"{target}-{scenario.name}"
    out.mkdir(parents=True, exist_ok=True)
    for old in out.iterdir():
        old.unlink()
    (out / "server.log").write_text(server_log)
    probes = ctx.probes if ctx else []
    for i, p in enumerate(probes, 1):
        (out / f"probe{i}.json").write_text(p.stdout)
        (out / f"probe{i}.stderr").write_text(p.stderr)
        (out / f"probe{i}.cmd").write_text(" ".join(p.cmd) + "\n")
    for i, got in enumerate(ctx.broken if ctx else [], 1):
        (out / f"broken{i}.stdout").write_text(got.stdout)
        (out / f"broken{i}.stderr").write_text(got.stderr)
    if probes:
        last = probes[-1]
        c.errors.append("command: " + " ".join(last.cmd))
        c.errors.append(f"statuses {status(last.report)}, findings {ids(last.report)}")
        c.errors.append("stderr: " + last.stderr[-1000:])
    c.errors.append(f"artefacts (reports, stderr, server log) in {out}")


def _record(opts, stage, target, scenario, c, report):
    """One line of --results: what this case asserted and what the report said."""
    if not opts.results:
        return
    line = {"stage": stage.name, "server": target, "scenario": scenario.name,
            "passed": not c.errors}
    if report:
        line["verdict"] = report["verdict"]
        line["findings"] = [f"{f['id']}@{f['mode'] or '-'}" for f in report["findings"]]
    with open(opts.results, "a") as out:
        out.write(json.dumps(line) + "\n")
