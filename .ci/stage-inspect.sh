#!/usr/bin/env bash
# `ftpdoctor inspect` against real parts (tests/inspect/run.py): real nftables and iptables
# rulesets loaded in network namespaces of its own and read back with `nft -j list ruleset`
# and `iptables-save`, Debian's vsftpd/ProFTPD/Pure-FTPd configs (target/interop-cache), a
# real vsftpd for discovery, and an outside probe through a NAT router for `--with`.
# Installs what is missing: Debian's nftables and iptables.
# usage: .ci/stage-inspect.sh [BIN]     exit 0 all passed, 1 a failure, 3 cannot run here
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/ftpdoctor}
missing=()
command -v nft >/dev/null || missing+=(nftables)
command -v iptables-save >/dev/null || missing+=(iptables)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi
echo "nft $(nft --version | awk '{print $2}'), $(iptables --version)"
python3 tests/inspect/run.py --bin "$bin"
