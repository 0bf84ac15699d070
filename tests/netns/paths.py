#!/usr/bin/env python3
"""An MTU hole and an idle timeout on a real router (tests/harness/netns_paths.py); --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import netns_paths, runner  # noqa: E402

if __name__ == "__main__":
    sys.exit(runner.main(netns_paths.STAGE))
