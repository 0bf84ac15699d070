#!/usr/bin/env bash
# CI stage: `ftpdoctor serve` against real Prometheus parts (tests/monitoring/prometheus_stage.py):
# promtool over a scrape of every lab scenario and fault, a real Prometheus scraping serve
# with the multi-target relabel config, and the example alert rules.
# Usage: .ci/stage-prometheus.sh BIN. Uses prometheus and promtool from PATH, else Debian's
# `prometheus` package unpacked into target/prometheus-cache (apt-get download + dpkg-deb -x:
# the binaries only, so no Debian service is ever started and nothing goes to /etc).
# Prints `prometheus: N passed, M failed` (or `prometheus: SKIPPED (why)`) as its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: stage-prometheus.sh BIN}
cache=target/prometheus-cache
prometheus=$(command -v prometheus || true)
promtool=$(command -v promtool || true)
if [ -z "$prometheus" ] || [ -z "$promtool" ]; then
    if [ ! -x "$cache/usr/bin/promtool" ] || [ ! -x "$cache/usr/bin/prometheus" ]; then
        if ! command -v apt-get >/dev/null; then
            echo "prometheus: SKIPPED (no prometheus on PATH and no apt-get to fetch Debian's)"
            exit 0
        fi
        mkdir -p "$cache/debs"
        # apt-get download runs as the _apt user where it can: give it a directory it may write.
        chmod 777 "$cache/debs"
        (cd "$cache/debs" && { apt-get download -q prometheus 2>/dev/null || { apt-get update -qq && apt-get download -q prometheus; }; })
        dpkg-deb -x "$cache"/debs/prometheus_*.deb "$cache"
    fi
    prometheus=$cache/usr/bin/prometheus
    promtool=$cache/usr/bin/promtool
fi
"$promtool" --version 2>&1 | head -1
exec python3 tests/monitoring/prometheus_stage.py --bin "$bin" --prometheus "$prometheus" --promtool "$promtool"
