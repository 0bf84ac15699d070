#!/usr/bin/env bash
# Lints the Python test harness (tests/harness, the stages' entry points tests/*/run.py, tests/monitoring and bench/serve.py) with ruff, pinned, from PyPI
# into a virtualenv under target/ (made once, reused). Prints `ruff: ok` or ruff's findings.
set -euo pipefail
cd "$(dirname "$0")/.."
RUFF_VERSION=0.17.5
venv=target/ruff-venv
if ! "$venv/bin/ruff" --version 2>/dev/null | grep -qx "ruff $RUFF_VERSION"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "ruff==$RUFF_VERSION"
fi
"$venv/bin/ruff" check --config tests/ruff.toml --output-format concise tests/harness tests/*/run.py tests/netns/clients.py tests/netns/pool.py tests/netns/paths.py tests/monitoring bench/serve.py
echo "ruff: ok"
