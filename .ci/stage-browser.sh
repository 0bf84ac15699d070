#!/usr/bin/env bash
# CI stage: --format html in a real headless browser. Debian's chromium and chromium-driver
# (installed with apt when missing: nothing downloads a browser), driven over WebDriver by
# Selenium from PyPI in a venv under target/. Screenshots land in target/browser/.
# Usage: .ci/stage-browser.sh BIN. Prints `browser: N passed, M failed` as its last line,
# or `browser: SKIPPED (...)` and exit 0 when chromium cannot be installed (not root).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: stage-browser.sh BIN}
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "browser: SKIPPED (chromium is not installed and installing it needs root)"
        exit 0
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
venv=target/browser-venv
if ! "$venv/bin/python" -c 'import selenium' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q selenium
fi
# Selenium Manager must not fetch a driver or a browser: both are given by path.
export SE_OFFLINE=true
exec "$venv/bin/python" tests/browser/html_check.py --bin "$bin"
