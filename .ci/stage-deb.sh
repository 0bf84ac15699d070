#!/usr/bin/env bash
# CI stage: the Debian package. Builds it with cargo-deb (a crate, not a Debian package:
# installed once into target/cargo-deb-cache), installs it, runs what it installed, checks
# the systemd unit with systemd-analyze, and purges it again.
# Usage: .ci/stage-deb.sh BIN. BIN (the debug binary `cargo test` built) writes the
# completions and man pages; the package carries a release build, made here if missing.
# Needs root (dpkg -i); prints `deb: N passed, M failed` (or `deb: SKIPPED (why)`) last.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:?usage: stage-deb.sh BIN}
started=$SECONDS
if [ "$(id -u)" != 0 ]; then
    echo "deb: SKIPPED (needs root for dpkg -i)"
    exit 0
fi
if ! command -v dpkg >/dev/null; then
    echo "deb: SKIPPED (no dpkg on this machine)"
    exit 0
fi
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# cargo-deb, once. --locked: the versions its own Cargo.lock was released with.
cache=target/cargo-deb-cache
if [ ! -x "$cache/bin/cargo-deb" ]; then
    t=$SECONDS
    cargo install --locked --root "$cache" cargo-deb
    echo "deb: cargo-deb installed into $cache in $((SECONDS - t)) s"
fi
"$cache/bin/cargo-deb" --version

# The release binary the package carries.
t=$SECONDS
cargo build --release --locked
echo "deb: cargo build --release: $((SECONDS - t)) s"

# Completions and man pages, written by the built binary.
assets=target/deb-assets
rm -rf "$assets"
mkdir -p "$assets/man"
"$bin" completions bash > "$assets/ftpdoctor.bash"
"$bin" completions zsh > "$assets/_ftpdoctor"
"$bin" completions fish > "$assets/ftpdoctor.fish"
"$bin" man > "$assets/man/ftpdoctor.1"
for sub in probe demo lab serve completions man; do
    "$bin" man "$sub" > "$assets/man/ftpdoctor-$sub.1"
done

t=$SECONDS
deb=target/debian/ftpdoctor.deb
rm -f "$deb"
PATH="$cache/bin:$PATH" cargo deb --no-build --output "$deb" || true
echo "deb: cargo deb --no-build: $((SECONDS - t)) s"
if [ ! -f "$deb" ]; then
    fail "cargo deb wrote a package"
    echo "deb: $passed passed, $failed failed ($((SECONDS - started)) s)"
    exit 1
fi
ok "cargo deb wrote $deb"

purge() { dpkg --purge ftpdoctor >/dev/null 2>&1 || true; }
trap purge EXIT
# --force-confnew: CI machines are reused, and an earlier run's config must not linger.
if dpkg -i --force-confnew "$deb"; then ok "dpkg -i"; else fail "dpkg -i"; fi

version=$(/usr/bin/ftpdoctor --version 2>&1 || true)
case "$version" in
    "ftpdoctor $(awk -F'"' '/^version/ { print $2; exit }' Cargo.toml)") ok "installed ftpdoctor --version: $version" ;;
    *) fail "installed ftpdoctor --version: $version" ;;
esac
if out=$(/usr/bin/ftpdoctor serve --check-config /etc/ftpdoctor/ftpdoctor.yml 2>&1); then
    ok "serve --check-config of the shipped config: $out"
else
    fail "serve --check-config of the shipped config: $out"
fi
for f in /usr/share/bash-completion/completions/ftpdoctor /usr/share/zsh/vendor-completions/_ftpdoctor \
    /usr/share/fish/vendor_completions.d/ftpdoctor.fish /lib/systemd/system/ftpdoctor.service; do
    if [ -s "$f" ]; then ok "installed $f"; else fail "installed $f"; fi
done
if ls /usr/share/man/man1/ftpdoctor-serve.1* >/dev/null 2>&1; then ok "installed ftpdoctor-serve(1)"; else fail "installed ftpdoctor-serve(1)"; fi

# The unit: systemd-analyze verify exits 0 on unknown keys, so any stderr is a failure.
if command -v systemd-analyze >/dev/null; then
    unit=/lib/systemd/system/ftpdoctor.service
    err=$(systemd-analyze verify "$unit" 2>&1 >/dev/null || true)
    if [ -z "$err" ]; then ok "systemd-analyze verify: no complaint"; else fail "systemd-analyze verify: $err"; fi
    enabled=$(systemctl is-enabled ftpdoctor.service 2>/dev/null || true)
    case "$enabled" in
        enabled) fail "the unit is installed disabled (is-enabled: $enabled)" ;;
        *) ok "the unit is installed disabled (is-enabled: ${enabled:-unknown})" ;;
    esac
else
    echo "systemd-analyze: not on this machine; the unit is not verified"
fi

purge
trap - EXIT
if [ -e /usr/bin/ftpdoctor ]; then fail "dpkg --purge removed the binary"; else ok "dpkg --purge"; fi
echo "deb: $passed passed, $failed failed ($((SECONDS - started)) s)"
[ "$failed" = 0 ]
