#!/usr/bin/env bash
# The Debian packages as an operator gets them: built by scripts/package
# (which runs lintian: no errors, no warnings), installed with dpkg (as
# root, when no statesync package is installed yet; purged again at the
# end) or else unpacked into a fresh root, and from that install: what the
# packages hold, each tool's --version, man -l on each page, publish and
# subscribe (TCP and TLS, which loads the installed TLS module) and a lock
# against a throwaway redis-server, the C++ consumer and examples built
# against the -dev package, systemd-analyze verify on the example units,
# and the units' own test (tests/cli/test_systemd_units.py) on them.
#   tests/package/run.sh [PACKAGE_DIR]   packages already built there; else
#                                        scripts/package builds them into build-packages/
#   STATESYNC_PACKAGE_INSTALL=unpack      never dpkg -i, even as root
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
installed=""
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$installed" ]; then
    dpkg --purge statesync libstatesync-dev "$installed" >/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "package test: $*" >&2
  exit 1
}

packages=${1:-}
if [ -z "$packages" ]; then
  packages=$top/build-packages # kept: CI's artefacts
  "$top/scripts/package" "$packages"
fi
version=$(sed -n 's/^project(statesync VERSION \([0-9][0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
library=libstatesync${version%%.*}
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs=("$packages"/statesync_"$version"_*.deb "$packages"/libstatesync-dev_"$version"_*.deb
  "$packages"/"$library"_"$version"_*.deb)
for deb in "${debs[@]}"; do [ -f "$deb" ] || fail "no package $deb"; done

echo "== installing the packages"
if [ "$(id -u)" -eq 0 ] && [ "${STATESYNC_PACKAGE_INSTALL:-dpkg}" = dpkg ] &&
  ! dpkg-query -W statesync libstatesync-dev "$library" >/dev/null 2>&1; then
  # dpkg checks the dependencies that shlibdeps computed.
  dpkg -i "${debs[@]}" >/dev/null
  installed=$library
  root=""
  echo "installed with dpkg -i"
else
  root=$work/root
  for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$root"; done
  # MANPATH: systemd-analyze verify checks the units' Documentation=man: pages.
  export LD_LIBRARY_PATH=$root/usr/lib/$multiarch PKG_CONFIG_PATH=$root/usr/lib/$multiarch/pkgconfig \
    MANPATH=$root/usr/share/man
  echo "unpacked into $root"
fi
bin=$root/usr/bin
doc=$root/usr/share/doc/statesync

echo "== what the packages hold"
for path in usr/bin/statesync-pub usr/bin/statesync-sub usr/bin/statesync-lock \
  "usr/lib/$multiarch/libstatesync.so.${version%%.*}" "usr/lib/$multiarch/$library/libstatesync-tls.so" \
  "usr/lib/$multiarch/libstatesync.so" "usr/lib/$multiarch/cmake/statesync/statesyncConfig.cmake" \
  "usr/lib/$multiarch/pkgconfig/statesync.pc" usr/include/statesync/connection.hpp \
  usr/share/man/man1/statesync-pub.1.gz usr/share/man/man1/statesync-sub.1.gz \
  usr/share/man/man1/statesync-lock.1.gz usr/share/man/man7/statesync.7.gz \
  usr/share/bash-completion/completions/statesync-pub usr/share/zsh/vendor-completions/_statesync-sub \
  usr/share/fish/vendor_completions.d/statesync-lock.fish usr/share/doc/statesync/copyright \
  usr/share/doc/statesync/changelog.gz usr/share/doc/statesync/examples/systemd/statesync-lock@.timer; do
  [ -e "$root/$path" ] || fail "missing from the installed packages: /$path"
done

echo "== --version and the manual pages"
for tool in statesync-pub statesync-sub statesync-lock; do
  "$bin/$tool" --version | grep -qF "$version" || fail "$tool --version does not say $version"
done
for page in "$root"/usr/share/man/man1/statesync-*.1.gz "$root"/usr/share/man/man7/statesync.7.gz; do
  name=$(basename "$page" | cut -d. -f1)
  MANWIDTH=80 man -l "$page" 2>"$work/man.err" | grep -q "^NAME" || fail "man -l $page shows no NAME"
  [ ! -s "$work/man.err" ] || fail "man -l $page: $(cat "$work/man.err")"
  echo "man -l $name: ok"
done

echo "== publish, subscribe and lock against a throwaway redis-server"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$(free_port)
tls_port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" \
  --tls-port "$tls_port" --tls-cert-file "$work/cert.pem" --tls-key-file "$work/key.pem" \
  --tls-ca-cert-file "$work/cert.pem" --tls-auth-clients no >"$work/redis.log" 2>&1 &
server_pids+=($!)
for _ in $(seq 200); do
  redis-cli -p "$port" PING 2>/dev/null | grep -q PONG && break
  sleep 0.05
done
url=redis://127.0.0.1:$port

"$bin/statesync-sub" -u "$url" -C 1 news >"$work/received" &
subscriber=$!
for _ in $(seq 200); do # ready when the server counts the subscription
  [ "$(redis-cli -p "$port" PUBSUB NUMSUB news | tail -1)" = 1 ] && break
  sleep 0.05
done
"$bin/statesync-pub" -u "$url" news "hello from the package"
wait "$subscriber"
[ "$(cat "$work/received")" = "hello from the package" ] || fail "the subscriber got '$(cat "$work/received")'"
echo "publish/subscribe: ok"

tls=(-u "rediss://127.0.0.1:$tls_port" --cacert "$work/cert.pem")
"$bin/statesync-pub" "${tls[@]}" -r state "over TLS"
[ "$("$bin/statesync-sub" "${tls[@]}" -R -C 1 state)" = "over TLS" ] || fail "no retained state over TLS"
echo "retained state over TLS (the installed TLS module): ok"

# The holder's command tries the same lock: held, so that try gets status 1.
inner=$("$bin/statesync-lock" -u "$url" job -- sh -c \
  "echo \"\$STATESYNC_LOCK_NAME\"; \"$bin/statesync-lock\" -u $url -n job -- true; echo \$?")
[ "$inner" = "$(printf 'job\n1')" ] || fail "statesync-lock printed '$inner'"
echo "lock: ok"

echo "== C++ programs against the -dev package"
cmake_prefix=()
[ -z "$root" ] || cmake_prefix=(-DCMAKE_PREFIX_PATH="$root/usr")
cmake -S "$top/tests/consumer" -B "$work/consumer" "${cmake_prefix[@]}" >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"
# shellcheck disable=SC2046
c++ "$top/tests/consumer/consumer.cpp" -o "$work/pkg-consumer" $(pkg-config --cflags --libs statesync)
"$work/pkg-consumer"
# The examples: built with find_package against the installed package, and
# each run against the throwaway server, its output checked.
cmake -S "$top/examples" -B "$work/examples" "${cmake_prefix[@]}" >/dev/null
cmake --build "$work/examples" >/dev/null
"$top/tests/examples/run.sh" "$work/examples" "$url"
echo "examples: built against the -dev package and ran"

echo "== systemd units"
units=$doc/examples/systemd
verified=$units
if [ -n "$root" ]; then
  # Unpacked: the same units, pointed at the unpacked binaries (verify
  # checks that each ExecStart names an executable).
  verified=$work/units
  mkdir "$verified"
  for unit in "$units"/*; do
    sed "s#/usr/bin/#$bin/#g" "$unit" >"$verified/$(basename "$unit")"
  done
fi
# Quiet when the units are sound: a warning is a failure too.
report=$(systemd-analyze verify "$verified"/* 2>&1) || fail "systemd-analyze verify: $report"
[ -z "$report" ] || fail "systemd-analyze verify: $report"
echo "systemd-analyze verify: ok"
STATESYNC_TOOLS_DIR=$bin STATESYNC_UNITS_DIR=$units /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  "$top/tests/cli/test_systemd_units.py"

echo "the packages install, run and pass their checks"
