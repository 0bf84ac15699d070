#!/usr/bin/env bash
# The client matrix proved against the real clients: each Linux client of docs/clients.md
# runs against every lab scenario (tests/clients/run.py) and against the real servers behind
# the netns NAT router (tests/netns/clients.py), and what it did (works, fails, hangs at the
# cap) must match what `ftpdoctor probe --clients all` predicted (tests/harness/clients.py).
# Installs what is missing: Debian's lftp, ncftp, tnftp, libcommons-net-java (curl, wget,
# Python and Node are on the machine), and basic-ftp from npm into target/clients-cache.
# usage: .ci/stage-clients.sh [BIN]     exit 0 all matched, 1 a mismatch, 3 cannot run here
# (no network namespaces: both parts skipped)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/ftpdoctor}
cache=target/clients-cache

missing=()
command -v curl >/dev/null || missing+=(curl)
command -v wget >/dev/null || missing+=(wget)
command -v lftp >/dev/null || missing+=(lftp)
command -v ncftpget >/dev/null || missing+=(ncftp)
command -v tnftp >/dev/null || missing+=(tnftp)
[ -f /usr/share/java/commons-net.jar ] || missing+=(libcommons-net-java)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
fi
mkdir -p "$cache"
if [ ! -f "$cache/node_modules/basic-ftp/package.json" ] && command -v npm >/dev/null; then
    npm install --silent --no-audit --no-fund --prefix "$cache" basic-ftp@6 >/dev/null
fi
src=tests/clients/CommonsNetClient.java
if command -v javac >/dev/null && [ "$src" -nt "$cache/classes/CommonsNetClient.class" ]; then
    javac -cp /usr/share/java/commons-net.jar -d "$cache/classes" "$src"
fi
echo "curl $(curl --version | head -1 | cut -d' ' -f2), lftp $(lftp --version | head -1 | awk '{print $4}'),"\
     "wget $(wget --version | head -1 | cut -d' ' -f3), python $(python3 -c 'import platform; print(platform.python_version())'),"\
     "node $(node --version 2>/dev/null || echo none), basic-ftp $(node -p "require('./$cache/node_modules/basic-ftp/package.json').version" 2>/dev/null || echo none),"\
     "commons-net $(find /usr/share/java -name 'commons-net-[0-9]*.jar' | sed 's/.*commons-net-//; s/[.]jar$//')"
set +e
python3 tests/clients/run.py --bin "$bin"
lab=$?
# The real servers (target/interop-cache, fetched by the netns stage if not yet there).
python3 tests/netns/clients.py --bin "$bin"
nat=$?
set -e
if [ "$lab" = 3 ] && [ "$nat" = 3 ]; then
    exit 3
fi
for rc in "$lab" "$nat"; do
    [ "$rc" = 0 ] || [ "$rc" = 3 ] || exit 1
done
exit 0
