#!/usr/bin/env bash
# Wall-time benchmark: one `ftpdoctor probe` (EPSV, PASV, EPRT, PORT at once)
# versus the three curl runs a user would type to test the same modes by hand,
# plus the probe's worst case against a blackholed passive port.
# Loopback only: everything talks to the embedded lab server on 127.0.0.1.
#
#   RUNS=11 bench/probe-vs-curl.sh          # FTPDOCTOR=/path/bin to skip the build
#   BLOCKED_RUNS=5 (default): each blocked-data probe waits ~2 s by design.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
RUNS=${RUNS:-11}
BLOCKED_RUNS=${BLOCKED_RUNS:-5}
stats="$here/stats.py"

command -v curl >/dev/null || { echo "error: curl not found; this benchmark compares against curl (apt-get install curl)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 not found; it does the timing and statistics" >&2; exit 2; }

if [[ -z ${FTPDOCTOR:-} ]]; then
    # Build quietly unless it fails: a stale binary would benchmark old code.
    (cd "$root" && cargo build --release --quiet) || { echo "error: cargo build --release failed" >&2; exit 2; }
    FTPDOCTOR="${CARGO_TARGET_DIR:-$root/target}/release/ftpdoctor"
fi
[[ -x $FTPDOCTOR ]] || { echo "error: $FTPDOCTOR is not executable" >&2; exit 2; }

tmp=$(mktemp -d)
lab_pids=()
cleanup() {
    # Stop only the lab servers this script started, by pid.
    for p in "${lab_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_lab NAME ARGS... : starts a lab, sets $url. The URL line can take a
# moment to appear, so poll for it rather than sleeping a fixed time.
start_lab() {
    local name=$1; shift
    "$FTPDOCTOR" lab "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
    lab_pids+=($!)
    for _ in $(seq 100); do
        url=$(head -n1 "$tmp/$name.out" 2>/dev/null || true)
        [[ $url == ftp://127.0.0.1:* ]] && return 0
        kill -0 "${lab_pids[-1]}" 2>/dev/null || break
        sleep 0.05
    done
    echo "error: lab '$name' printed no ftp://127.0.0.1 URL; stderr:" >&2; cat "$tmp/$name.err" >&2; exit 1
}

# fmt MED MIN MAX -> "median X ms  (min Y, max Z)"
fmt() { printf 'median %7.1f ms  (min %.1f, max %.1f)' "$1" "$2" "$3"; }

echo "== machine: $(nproc) CPUs, Linux $(uname -r)"
echo "== $("$FTPDOCTOR" --version) ($FTPDOCTOR)"
echo "== $(curl --version | head -n1)"
echo

# ---------------------------------------------------------------- (a) healthy
start_lab healthy --scenario healthy
echo "(a) healthy lab at $url, RUNS=$RUNS"

# `-P -` lets curl choose: it sends EPRT first and falls back to PORT only if
# EPRT is refused. Record what it actually did so the comparison is honest.
active=$(curl -sS -v -P - "$url" 2>&1 >/dev/null | grep -oE '^> (EPRT|PORT)' | cut -c3- | paste -sd+ -) || true
echo "    curl -P - used: ${active:-?} (a trio = EPSV, PASV, ${active:-?})"

probe=("$FTPDOCTOR" probe "$url" --format json)
trio=(curl -sS "$url" ::: curl -sS --disable-epsv "$url" ::: curl -sS -P - "$url")
# One unrecorded warm-up each, so page cache / first-exec costs don't land in sample 1.
python3 "$stats" time --runs 1 -- "${probe[@]}" >/dev/null
python3 "$stats" time --runs 1 -- "${trio[@]}" >/dev/null
python3 "$stats" time --runs "$RUNS" -- "${probe[@]}" >"$tmp/probe"
python3 "$stats" time --runs "$RUNS" -- "${trio[@]}" >"$tmp/trio"

read -r p_med p_min p_max < <(python3 "$stats" summary "$tmp/probe")
read -r c_med c_min c_max < <(python3 "$stats" summary "$tmp/trio")
ratio=$(awk -v p="$p_med" -v c="$c_med" 'BEGIN { printf "%.2f", p / c }')
met_a=$(awk -v p="$p_med" -v c="$c_med" 'BEGIN { print (p < c) ? "MET" : "NOT MET" }')
echo "    ftpdoctor probe (4 modes): $(fmt "$p_med" "$p_min" "$p_max")"
echo "    curl trio (3 runs):        $(fmt "$c_med" "$c_min" "$c_max")"
echo "    median ratio probe/curl-trio: $ratio"
echo "    target 'four-mode probe takes less wall time than curl's three runs': $met_a"
echo

# ----------------------------------------------------------- (b) blocked-data
# The lab's own data timeout equals the probe's so neither side hangs longer
# than the 2 s step limit; the probe must report the timeout and exit 1.
start_lab blocked --scenario blocked-data --data-timeout 2s
echo "(b) blocked-data lab at $url, BLOCKED_RUNS=$BLOCKED_RUNS"
python3 "$stats" time --runs "$BLOCKED_RUNS" --expect-rc 1 --expect-in data-connect-timeout \
    -- "$FTPDOCTOR" probe "$url" --timeout 2s --format json >"$tmp/blocked"
read -r b_med b_min b_max < <(python3 "$stats" summary "$tmp/blocked")
met_b=$(awk -v m="$b_max" 'BEGIN { print (m < 2500) ? "MET" : "NOT MET" }')
echo "    probe --timeout 2s (exit 1, data-connect-timeout): $(fmt "$b_med" "$b_min" "$b_max")"
echo "    target 'under 2.5 s for the whole probe' (every run): $met_b"
echo

# --------------------------------------------------------------- (c) FTPS
# Explicit FTPS with the lab's own CA: the probe (4 modes, each data connection
# resuming its control session's TLS, plus the plaintext comparison session)
# against curl over TLS (--ssl-reqd: AUTH TLS, PBSZ 0, PROT P) in the passive
# modes only: curl 7.88.1 never starts the TLS handshake on an active (-P -)
# data connection, so the server gives up after its data timeout (curl error 18).
start_lab tls --scenario tls --ca-out "$tmp/ca.pem"
echo "(c) tls lab at $url, RUNS=$RUNS"
tprobe=("$FTPDOCTOR" probe "$url" --ca-file "$tmp/ca.pem" --format json)
ssl=(--ssl-reqd --cacert "$tmp/ca.pem")
ttrio=(curl -sS "${ssl[@]}" "$url" ::: curl -sS "${ssl[@]}" --disable-epsv "$url")
python3 "$stats" time --runs 1 -- "${tprobe[@]}" >/dev/null
python3 "$stats" time --runs 1 -- "${ttrio[@]}" >/dev/null
python3 "$stats" time --runs "$RUNS" -- "${tprobe[@]}" >"$tmp/tprobe"
python3 "$stats" time --runs "$RUNS" -- "${ttrio[@]}" >"$tmp/ttrio"
read -r t_med t_min t_max < <(python3 "$stats" summary "$tmp/tprobe")
read -r u_med u_min u_max < <(python3 "$stats" summary "$tmp/ttrio")
tratio=$(awk -v p="$t_med" -v c="$u_med" 'BEGIN { printf "%.2f", p / c }')
echo "    ftpdoctor probe (4 modes, FTPS): $(fmt "$t_med" "$t_min" "$t_max")"
echo "    curl over FTPS (EPSV, PASV):     $(fmt "$u_med" "$u_min" "$u_max")"
echo "    median ratio probe/curl-duo: $tratio"
echo

# ------------------------------------------------------------------ summary
cat <<SUMMARY
---- summary (paste into README) ----
Loopback lab, $(nproc) CPUs, Linux $(uname -r), $("$FTPDOCTOR" --version), curl $(curl --version | awk 'NR==1{print $2}').
| case                                        | median    | runs |
|---------------------------------------------|-----------|------|
| ftpdoctor probe, 4 modes, healthy           | $(printf '%6.1f ms' "$p_med") | $RUNS |
| curl x3 (EPSV, --disable-epsv, -P - = ${active:-?}) | $(printf '%6.1f ms' "$c_med") | $RUNS |
| ftpdoctor probe, blocked-data, --timeout 2s | $(printf '%6.1f ms' "$b_med") | $BLOCKED_RUNS |
| ftpdoctor probe, 4 modes, tls (FTPS)        | $(printf '%6.1f ms' "$t_med") | $RUNS |
| curl x2 over FTPS (--ssl-reqd; EPSV, PASV)  | $(printf '%6.1f ms' "$u_med") | $RUNS |
probe/curl-trio median ratio $ratio: faster than curl's three runs: $met_a; blocked-data under 2.5 s: $met_b; FTPS ratio $tratio
-------------------------------------
SUMMARY
