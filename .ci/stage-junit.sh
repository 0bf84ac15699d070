#!/usr/bin/env bash
# CI stage: ftpdoctor's --format junit read by junitparser (the JUnit reader CI tools and
# their plugins use), over lab scenarios and every fault of the fault lab.
# Usage: .ci/stage-junit.sh BIN. Installs junitparser from PyPI into a venv under target/
# once. Prints `junit: N passed, M failed` as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: stage-junit.sh BIN}
venv=target/monitoring-venv
if ! "$venv/bin/python" -c 'import junitparser' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q junitparser
fi
exec "$venv/bin/python" tests/monitoring/junit_consumer.py --bin "$bin"
