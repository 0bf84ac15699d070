#!/usr/bin/env python3
"""The interop stage (tests/harness/interop.py); options: --help."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import interop, runner  # noqa: E402

if __name__ == "__main__":
    sys.exit(runner.main(interop.STAGE))
