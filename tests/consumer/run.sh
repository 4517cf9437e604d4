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

# The public headers must not pull in hiredis, fmt or CLI11.
if grep -rE '#include <(hiredis|fmt|CLI|openssl)' "$prefix/include/statesync"; then
  echo "a public header includes a private dependency"; exit 1
fi

# The installed tools run from the install tree (RPATH).
"$prefix/bin/statesync-pub" --version

cmake -S "$source" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
LD_LIBRARY_PATH=$prefix/$libdir "$work/cmake-build/consumer"

export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
# shellcheck disable=SC2046
c++ "$source/consumer.cpp" -o "$work/pkg-consumer" $(pkg-config --cflags --libs statesync)
LD_LIBRARY_PATH=$prefix/$libdir "$work/pkg-consumer"
echo "consumer built and ran with find_package and pkg-config"
