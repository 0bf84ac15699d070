#!/usr/bin/env bash
# Memory benchmark: peak RSS of one `ftpdoctor probe` against every fault of the fault
# lab (`ftpdoctor lab --fault NAME`): replies that never end, lines of 10 MiB, endless
# data, every reply as large as a probe accepts. The target is under 32 MiB per probe,
# whatever the server sends. Loopback only: every server is a fault lab on 127.0.0.1.
#
#   bench/hostile-rss.sh                  # FTPDOCTOR=/path/bin to skip the build
#   LIMIT_MIB=32 (default): a probe above it is reported and the script exits 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
LIMIT_MIB=${LIMIT_MIB:-32}

command -v python3 >/dev/null || { echo "error: python3 not found; it does the arithmetic" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time not found; it measures the peak RSS (apt-get install time)" >&2; exit 2; }

if [[ -z ${FTPDOCTOR:-} ]]; then
    (cd "$root" && cargo build --release --quiet) || { echo "error: cargo build --release failed" >&2; exit 2; }
    FTPDOCTOR="${CARGO_TARGET_DIR:-$root/target}/release/ftpdoctor"
fi
[[ -x $FTPDOCTOR ]] || { echo "error: $FTPDOCTOR is not executable" >&2; exit 2; }

tmp=$(mktemp -d)
lab_pid=
cleanup() {
    # Stop only the server this script started, by pid.
    if [[ -n $lab_pid ]]; then kill "$lab_pid" 2>/dev/null || true; wait "$lab_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start ARGS... : starts `ftpdoctor lab ARGS`, sets $url (polls for the URL line).
start() {
    # A fresh file: the background job truncates it only when it gets to run.
    rm -f "$tmp/lab.out"
    "$FTPDOCTOR" lab "$@" >"$tmp/lab.out" 2>"$tmp/lab.err" &
    lab_pid=$!
    for _ in $(seq 100); do
        url=$(head -n1 "$tmp/lab.out" 2>/dev/null || true)
        [[ $url == ftp://127.0.0.1:* ]] && return 0
        kill -0 "$lab_pid" 2>/dev/null || break
        sleep 0.05
    done
    echo "error: lab $* printed no ftp://127.0.0.1 URL; stderr:" >&2; cat "$tmp/lab.err" >&2; exit 1
}

stop() { kill "$lab_pid" 2>/dev/null || true; wait "$lab_pid" 2>/dev/null || true; lab_pid=; }

# measure ARGS... : runs `ftpdoctor probe ARGS` under GNU time and prints exit code,
# wall time, peak RSS and the size of the report. (A child's ru_maxrss read from Python
# would include the Python process it was forked from.)
measure() {
    local code=0 started ended kib
    started=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$tmp/time" "$FTPDOCTOR" probe "$@" >"$tmp/report" 2>/dev/null || code=$?
    ended=$(date +%s%N)
    # GNU time notes a non-zero exit on a line of its own before the figure.
    kib=$(tail -n1 "$tmp/time")
    python3 -c 'import sys; print(sys.argv[1], round(int(sys.argv[2]) / 1e6), round(int(sys.argv[3]) / 1024, 1), sys.argv[4])' \
        "$code" "$((ended - started))" "$kib" "$(stat -c %s "$tmp/report")"
}

echo "== machine: $(nproc) CPUs, Linux $(uname -r)"
echo "== $("$FTPDOCTOR" --version) ($FTPDOCTOR)"
echo "== probe: --modes epsv,pasv --timeout 1s --deadline 2s --format json (and --transcript)"
echo
printf '%-20s %4s %8s %10s %12s %10s %12s\n' fault exit wall_ms rss_mib report_bytes rss_trans trans_bytes
over=0
faults=$("$FTPDOCTOR" lab --list | sed -n '/^Faults/,$p' | tail -n +2 | awk '{print $1}')
for fault in $faults; do
    start --fault "$fault"
    args=("$url" --modes epsv,pasv --timeout 1s --deadline 2s --format json)
    read -r code wall rss bytes < <(measure "${args[@]}")
    read -r _ _ rss_t bytes_t < <(measure "${args[@]}" --transcript)
    stop
    printf '%-20s %4s %8s %10s %12s %10s %12s\n' "$fault" "$code" "$wall" "$rss" "$bytes" "$rss_t" "$bytes_t"
    for r in "$rss" "$rss_t"; do
        if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$r" "$LIMIT_MIB"; then :; else
            echo "   ^ over the ${LIMIT_MIB} MiB target"; over=1
        fi
    done
done
echo
start --scenario healthy
read -r code wall rss bytes < <(measure "$url/pub/1MiB.bin" --format json)
stop
echo "baseline: healthy lab, all four modes fetching /pub/1MiB.bin: exit $code, ${wall} ms, peak RSS ${rss} MiB"
exit "$over"
