#!/usr/bin/env bash
# Fleet benchmark: 1,000 targets probed with --concurrency 100, against lab servers
# on loopback (several scenarios), versus `xargs -P 100` running curl once per target.
# Prints wall time, CPU time (user + sys, less sensitive to a busy machine than wall
# time) and peak RSS of each. Loopback only. The lab servers' own CPU is not counted.
#
#   bench/fleet.sh                 # TARGETS=1000 CONCURRENCY=100 LABS_PER_SCENARIO=1 TLS=off
#   FTPDOCTOR=/path/bin bench/fleet.sh   # skip the build
#
# Targets: ftpdoctor under 10 s and under 100 MiB peak RSS on a 2-core machine.
# Scenarios that cost a timeout by design (blocked-data, active-blocked, partial-range)
# are left out: they would measure --timeout, not the fleet runner.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
TARGETS=${TARGETS:-1000}
CONCURRENCY=${CONCURRENCY:-100}
LABS_PER_SCENARIO=${LABS_PER_SCENARIO:-1}
# The labs here speak plain FTP, as curl does by default: TLS=auto adds an AUTH TLS try and
# a tls-unavailable warning to every target.
TLS=${TLS:-off}
scenarios=(healthy healthy healthy healthy private-pasv mismatch-pasv no-epsv port-rejected refused-data multiline-banner)

command -v curl >/dev/null || { echo "error: curl not found (apt-get install curl)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "error: /usr/bin/time not found (apt-get install time)" >&2; exit 2; }

if [[ -z ${FTPDOCTOR:-} ]]; then
    (cd "$root" && cargo build --release --quiet) || { echo "error: cargo build --release failed" >&2; exit 2; }
    FTPDOCTOR="${CARGO_TARGET_DIR:-$root/target}/release/ftpdoctor"
fi
[[ -x $FTPDOCTOR ]] || { echo "error: $FTPDOCTOR is not executable" >&2; exit 2; }

# 100 targets at once hold up to 800 sockets; curl and the labs need their own.
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

tmp=$(mktemp -d)
lab_pids=()
cleanup() {
    for p in "${lab_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    if [[ -n ${KEEP:-} ]]; then cp -r "$tmp" "$KEEP"; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

urls=()
n=0
for _ in $(seq "$LABS_PER_SCENARIO"); do
    for sc in "${scenarios[@]}"; do
        n=$((n + 1))
        "$FTPDOCTOR" lab --scenario "$sc" >"$tmp/lab$n.out" 2>"$tmp/lab$n.err" &
        lab_pids+=($!)
        url=""
        for _ in $(seq 100); do
            url=$(head -n1 "$tmp/lab$n.out" 2>/dev/null || true)
            [[ $url == ftp://127.0.0.1:* ]] && break
            sleep 0.05
        done
        [[ $url == ftp://127.0.0.1:* ]] || { echo "error: lab $sc printed no URL" >&2; cat "$tmp/lab$n.err" >&2; exit 1; }
        urls+=("$url")
    done
done

# Each lab listed TARGETS / labs times, interleaved so that concurrent targets spread
# over all labs (each lab serves 64 sessions at once; a target holds up to 4).
for i in $(seq 0 $((TARGETS - 1))); do
    echo "${urls[$((i % ${#urls[@]}))]}"
done >"$tmp/targets.txt"

echo "== machine: $(nproc) CPUs, Linux $(uname -r)"
# Each run leaves ~10,000 loopback connections in TIME_WAIT for 60 s; with tens of
# thousands of them, connect() spends its time searching for a free port (sys time), so
# back-to-back runs are slower. Wait a minute between runs for comparable figures.
if command -v ss >/dev/null; then
    echo "== TCP sockets in TIME_WAIT now: $(($(ss -tan state time-wait | wc -l) - 1))"
fi
echo "== $("$FTPDOCTOR" --version); $(curl --version | head -n1)"
echo "== $TARGETS targets over ${#urls[@]} lab servers (${scenarios[*]}), concurrency $CONCURRENCY, --tls $TLS"

# measure NAME CMD... : wall seconds and peak RSS (MiB) of CMD and its children.
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/$name.time" "$@" >"$tmp/$name.stdout" 2>"$tmp/$name.stderr" || true
    # A non-zero exit (findings) makes time(1) write a "Command exited" line first.
    read -r wall rss_kib user sys < <(tail -n1 "$tmp/$name.time")
    printf '%-34s wall %6.2f s   cpu %5.2f s (sys %5.2f)   peak RSS %6.1f MiB\n' "$name" "$wall" \
        "$(echo "$user + $sys" | bc -l)" "$sys" "$(echo "$rss_kib / 1024" | bc -l)"
}

measure "ftpdoctor (4 modes per target)" \
    "$FTPDOCTOR" probe --targets-file "$tmp/targets.txt" --concurrency "$CONCURRENCY" \
    --format jsonl --timeout 5s --tls "$TLS"
reports=$(wc -l <"$tmp/ftpdoctor (4 modes per target).stdout")
verdicts=$(grep -o '"verdict":"[a-z]*"' "$tmp/ftpdoctor (4 modes per target).stdout" | sort | uniq -c | tr -s ' ' | paste -sd, -)
echo "    $reports reports; verdicts:$verdicts"

measure "ftpdoctor --summary (table)" \
    "$FTPDOCTOR" probe --targets-file "$tmp/targets.txt" --concurrency "$CONCURRENCY" \
    --summary --timeout 5s --tls "$TLS"
tail -n1 "$tmp/ftpdoctor --summary (table).stdout" | sed 's/^/    /'

# curl: one EPSV transfer per target (a quarter of what the probe does), 100 at once.
# /usr/bin/time reports the largest single process (one curl), not the sum.
measure "xargs -P $CONCURRENCY curl (1 mode each)" \
    xargs -P "$CONCURRENCY" -n 1 curl -s -o /dev/null --max-time 10 <"$tmp/targets.txt"
echo "    (curl's RSS is that of the largest single curl; $CONCURRENCY run at once)"
