#!/usr/bin/env python3
"""Reads ftpdoctor's --format junit with junitparser, the library CI tools and their
plugins use to read JUnit files, against lab scenarios and every fault of the fault lab.

Run by .ci/stage-junit.sh inside a venv that has junitparser. Prints one line per
check and `junit: N passed, M failed`; exits 1 when a check failed.
"""

import argparse
import subprocess
import sys
import tempfile

from junitparser import Failure, JUnitXml, Skipped

MODES = ["control", "epsv", "pasv", "eprt", "port"]


def start(bin_path, *args):
    """Starts `ftpdoctor lab ARGS` on 127.0.0.1:0 and returns (process, url)."""
    proc = subprocess.Popen(
        [bin_path, "lab", *args, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()
    if not url.startswith("ftp://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"lab {args} printed {url!r}")
    return proc, url


def probe_junit(bin_path, url, modes):
    """The JUnit file of one probe, written where a CI job would keep it."""
    out = subprocess.run(
        [
            bin_path,
            "probe",
            url,
            "--format",
            "junit",
            "--modes",
            modes,
            "--timeout",
            "1s",
            "--deadline",
            "2s",
            "--tls",
            "off",
        ],
        capture_output=True,
        timeout=30,
    )
    if out.returncode not in (0, 1):
        raise RuntimeError(f"exit {out.returncode}: {out.stderr!r}")
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(out.stdout)
        return f.name


def cases_of(path):
    xml = JUnitXml.fromfile(path)
    suites = list(xml)
    assert len(suites) == 1, f"{len(suites)} suites"
    cases = list(suites[0])
    return suites[0], cases


def outcome(case):
    kinds = {type(r) for r in case.result}
    if Failure in kinds:
        return "failure"
    if Skipped in kinds:
        return "skipped"
    return "passed"


def check(name, fn, tally):
    try:
        fn()
        print(f"ok   {name}")
        tally[0] += 1
    except Exception as e:  # one line per failed check, the run goes on
        print(f"FAIL {name}: {e}")
        tally[1] += 1


def scenario_check(bin_path, scenario, expect):
    def run():
        proc, url = start(bin_path, "--scenario", scenario, "--data-timeout", "1s")
        try:
            suite, cases = cases_of(probe_junit(bin_path, url, "epsv,pasv,eprt,port"))
        finally:
            proc.kill()
            proc.wait()
        got = {c.name: outcome(c) for c in cases}
        assert [c.name for c in cases] == MODES, [c.name for c in cases]
        # Jenkins splits classnames at dots: ftpdoctor.HOST_PORT, the URL in a property.
        port = url.rstrip("/").rsplit(":", 1)[1]
        want = f"ftpdoctor.127_0_0_1_{port}"
        assert all(c.classname == want for c in cases), [c.classname for c in cases]
        props = {p.name: p.value for p in suite.properties()}
        assert props.get("url") == url, props
        for mode, want in expect.items():
            assert got[mode] == want, f"{mode}: {got[mode]} (all: {got})"
        for c in cases:
            for r in c.result:
                if isinstance(r, Failure):
                    # The body carries the finding, as GitLab shows it.
                    assert "Evidence:" in (r.text or "") and "Fix:" in (r.text or ""), r.text
        assert suite.failures == sum(1 for v in got.values() if v == "failure")

    return run


def fault_check(bin_path, fault):
    def run():
        proc, url = start(bin_path, "--fault", fault)
        try:
            _, cases = cases_of(probe_junit(bin_path, url, "epsv,pasv"))
        finally:
            proc.kill()
            proc.wait()
        assert [c.name for c in cases] == MODES, [c.name for c in cases]
        assert outcome(cases[3]) == "skipped" and outcome(cases[4]) == "skipped"
        for c in cases:
            assert c.system_out is None or "\x00" not in c.system_out

    return run


def faults(bin_path):
    listed = subprocess.run([bin_path, "lab", "--list"], capture_output=True, text=True).stdout
    after = listed.split("Faults:", 1)[1].splitlines()[1:]
    return [line.split()[0] for line in after if line.strip()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    tally = [0, 0]
    check(
        "healthy: every mode passes",
        scenario_check(
            args.bin,
            "healthy",
            {
                "control": "passed",
                "epsv": "passed",
                "pasv": "passed",
                "eprt": "passed",
                "port": "passed",
            },
        ),
        tally,
    )
    check(
        "blocked-data: passive modes fail",
        scenario_check(
            args.bin,
            "blocked-data",
            {"epsv": "failure", "pasv": "failure", "eprt": "passed", "port": "passed"},
        ),
        tally,
    )
    check(
        "active-blocked: active modes fail",
        scenario_check(
            args.bin,
            "active-blocked",
            {"epsv": "passed", "pasv": "passed", "eprt": "failure", "port": "failure"},
        ),
        tally,
    )
    for fault in faults(args.bin):
        check(f"fault {fault}: parses", fault_check(args.bin, fault), tally)
    print(f"junit: {tally[0]} passed, {tally[1]} failed")
    return 1 if tally[1] else 0


if __name__ == "__main__":
    sys.exit(main())
