#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds a small consumer
# against it twice: with find_package(statesync) and with pkg-config.
set -euo pipefail
build=$1
source=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

# What the install tree must hold.
for path in bin/statesync-pub bin/statesync-sub bin/statesync-lock include/statesync/connection.hpp \
  share/man/man1/statesync-pub.1 share/man/man1/statesync-sub.1 share/man/man1/statesync-lock.1 \
  share/man/man7/statesync.7 share/bash-completion/completions/statesync-pub \
  share/zsh/vendor-completions/_statesync-sub share/fish/vendor_completions.d/statesync-lock.fish; do
  [ -e "$prefix/$path" ] || { echo "missing from the install tree: $path"; exit 1; }
done
libdir=$(cd "$prefix" && ls -d lib*/pkgconfig | head -1 | xargs dirname)

# Each public header compiles on its own, and none pulls in hiredis, fmt,
# OpenSSL or CLI11, directly or through another header (-H lists every
# header a compilation opens).
for header in "$prefix"/include/statesync/*.hpp; do
  name=statesync/$(basename "$header")
  opened=$(echo "#include <$name>" | c++ -std=c++20 -fsyntax-only -H -I"$prefix/include" -x c++ - 2>&1) ||
    { echo "$name does not compile on its own:"; echo "$opened"; exit 1; }
  if echo "$opened" | grep -E '/(hiredis|fmt|openssl|CLI)/'; then
    echo "$name includes a private dependency"; exit 1
  fi
done

# The installed tools run from the install tree (RPATH).
"$prefix/bin/statesync-pub" --version

cmake -S "$source" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH=$prefix/$libdir "$work/cmake-build/consumer"

export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
# The program picks its standard (C++20 or later); the .pc file says so
# and imposes none.
if pkg-config --cflags statesync | grep -q -- '-std='; then
  echo "statesync.pc imposes a C++ standard: $(pkg-config --cflags statesync)"; exit 1
fi
grep -q 'C++20 or later' "$PKG_CONFIG_PATH/statesync.pc" || { echo "statesync.pc does not state the standard"; exit 1; }
for standard in c++20 c++23; do
  # shellcheck disable=SC2046
  c++ -std=$standard "$source/consumer.cpp" -o "$work/pkg-consumer" $(pkg-config --cflags --libs statesync)
  LD_LIBRARY_PATH=$prefix/$libdir "$work/pkg-consumer"
done
echo "consumer built and ran with find_package and pkg-config"

# The examples, built against the install tree as a user builds them, and
# run against a real redis-server on a free loopback port.
cmake -S "$source/../../examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/examples" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" >"$work/redis.log" &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null; wait "$redis_pid" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
  sleep 0.1
done
LD_LIBRARY_PATH=$prefix/$libdir "$source/../examples/run.sh" "$work/examples" "redis://127.0.0.1:$port"
echo "the examples built against the install tree and ran"
