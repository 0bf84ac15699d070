#!/usr/bin/env bash
# Benchmark of `ftpdoctor serve` (bench/serve.py does the timing): the exporter's overhead
# against `ftpdoctor probe` as a process, N concurrent scrapes of mixed lab scenarios (none
# lost, none past the timeout, peak RSS), and Debian's prometheus-blackbox-exporter with a
# tcp banner module against the same lab server. Loopback only. Prints figures.
#
#   bench/serve.sh                  # FTPDOCTOR=/path/bin to skip the build; RUNS=51 CONCURRENT=200
# Fetches prometheus-blackbox-exporter with apt-get download into target/prometheus-cache
# (the binary only: no service is started) unless BLACKBOX=/path/to/binary is set.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
if [[ -z ${FTPDOCTOR:-} ]]; then
    (cd "$root" && cargo build --release --quiet) || { echo "error: cargo build --release failed" >&2; exit 2; }
    FTPDOCTOR="${CARGO_TARGET_DIR:-$root/target}/release/ftpdoctor"
fi
cache="$root/target/prometheus-cache"
if [[ -z ${BLACKBOX:-} ]]; then
    BLACKBOX=$(command -v prometheus-blackbox-exporter || true)
    if [[ -z $BLACKBOX && ! -x $cache/usr/bin/prometheus-blackbox-exporter ]] && command -v apt-get >/dev/null; then
        mkdir -p "$cache/debs" && chmod 777 "$cache/debs"
        (cd "$cache/debs" && apt-get download -q prometheus-blackbox-exporter >/dev/null 2>&1) \
            && dpkg-deb -x "$cache"/debs/prometheus-blackbox-exporter_*.deb "$cache"
    fi
    [[ -z $BLACKBOX && -x $cache/usr/bin/prometheus-blackbox-exporter ]] && BLACKBOX=$cache/usr/bin/prometheus-blackbox-exporter
fi
echo "== machine: $(nproc) CPUs, Linux $(uname -r)"
echo "== $("$FTPDOCTOR" --version) ($FTPDOCTOR)"
args=(--bin "$FTPDOCTOR" --runs "${RUNS:-51}" --concurrent "${CONCURRENT:-200}")
if [[ -n $BLACKBOX ]]; then
    echo "== $("$BLACKBOX" --version 2>&1 | head -n1)"
    args+=(--blackbox "$BLACKBOX")
else
    echo "== no prometheus-blackbox-exporter: part (c) skipped"
fi
exec python3 "$here/serve.py" "${args[@]}"
