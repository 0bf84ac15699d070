#!/usr/bin/env python3
"""The real clients through the NAT router (tests/harness/netns_clients.py); options: --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import netns_clients, runner  # noqa: E402

if __name__ == "__main__":
    sys.exit(runner.main(netns_clients.STAGE))
