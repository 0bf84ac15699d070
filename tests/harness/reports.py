"""Reading ftpdoctor's JSON reports: one place for the helpers every stage uses, so that all
of them judge a report the same way."""


class Check:
    """Collects failed expectations for one case instead of stopping at the first."""

    def __init__(self):
        self.errors: list[str] = []
        # One short figure for the case's line (e.g. how long a blocked probe took).
        self.note = ""

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


def lines(report, direction="<"):
    """The transcript's lines in one direction: `<` from the server, `>` from the probe."""
    return [t["line"] for t in report.get("transcript", []) if t["dir"] == direction]
