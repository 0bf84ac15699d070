#!/usr/bin/env python3
"""NAT pool, load balancer and proxies (tests/harness/netns_pool.py); options: --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import netns_pool, runner  # noqa: E402

if __name__ == "__main__":
    sys.exit(runner.main(netns_pool.STAGE))
