"""Reading ftpdoctor's JSON reports in the interop and netns stages: one place for the
helpers both use, so the two stages judge a report the same way."""

import json


class Check:
    """Collects failed expectations for one run instead of stopping at the first."""

    def __init__(self):
        self.errors = []

    def that(self, cond, what):
        if not cond:
            self.errors.append(what)


def ids(report, severity=None, mode="any"):
    """Finding ids, sorted; only those of `severity` and of `mode` (None: control) if given."""
    return sorted(f["id"] for f in report["findings"]
                  if (severity is None or f["severity"] == severity)
                  and (mode == "any" or f["mode"] == mode))


def status(report):
    return {m["mode"]: m["status"] for m in report["modes"]}


def mode(report, name):
    return next(m for m in report["modes"] if m["mode"] == name)


def record(path, stage, server, scenario, errors, report):
    """One line of --results: what this run asserted and what the report said."""
    if not path:
        return
    line = {"stage": stage, "server": server, "scenario": scenario, "passed": not errors}
    if report:
        line["verdict"] = report["verdict"]
        line["findings"] = [f"{f['id']}@{f['mode'] or '-'}" for f in report["findings"]]
    with open(path, "a") as out:
        out.write(json.dumps(line) + "\n")
