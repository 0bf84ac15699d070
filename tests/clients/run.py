#!/usr/bin/env python3
"""The clients stage (tests/harness/lab_clients.py): the real clients against every lab
scenario; options: --help. The same clients behind the NAT router: tests/netns/clients.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import lab_clients, runner  # noqa: E402

if __name__ == "__main__":
    sys.exit(runner.main(lab_clients.STAGE))
