#!/usr/bin/env bash
# scripts/check-abi catches what it must and lets through what it may:
# against copies of the committed baseline changed as a change to the
# library would change it, the built library (BUILD_DIR) is
#   - refused when a public struct's size differs (a field added or removed),
#   - refused when an exported function is gone,
#   - accepted when a pimpl's Impl lost a function (exported, not interface),
#   - accepted when it exports a function the baseline lacks (an addition),
#   - refused when its SONAME is not the baseline's (a baseline not updated).
# The check against the baseline itself is the ctest abi.baseline.
#   tests/abi/run.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$1
baseline=$top/abi/libstatesync.abi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "abi test: $*" >&2
  exit 1
}
# expect STATUS BASELINE MESSAGE...: check-abi against BASELINE ends with
# STATUS and says each MESSAGE.
expect() {
  local want=$1 against=$2 status=0 message
  shift 2
  "$top/scripts/check-abi" "$build" "$against" >"$work/out" 2>&1 || status=$?
  [ "$status" -eq "$want" ] || { cat "$work/out"; fail "check-abi against $(basename "$against") ended $status, not $want"; }
  for message in "$@"; do
    grep -qF "$message" "$work/out" || { cat "$work/out"; fail "check-abi did not say: $message"; }
  done
  echo "ok: $(basename "$against"): $*"
}

endpoint=$(grep -o "<class-decl name='Endpoint' size-in-bits='[0-9]*'" "$baseline" | head -1)
[ -n "$endpoint" ] || fail "no struct Endpoint in the baseline"
bits=${endpoint##*size-in-bits=\'}
bits=${bits%\'}
sed "s/$endpoint/<class-decl name='Endpoint' size-in-bits='$((bits - 64))'/" "$baseline" >"$work/field-added.abi"
expect 1 "$work/field-added.abi" "type size changed from $((bits - 64)) to $bits" "changed incompatibly"

# A function the baseline exports and the library does not.
sed "/<elf-function-symbols>/a\\    <elf-symbol name='_ZN9statesync10gone_againEv' type='func-type' binding='global-binding' visibility='default-visibility' is-defined='yes'/>" \
  "$baseline" >"$work/function-removed.abi"
expect 1 "$work/function-removed.abi" "_ZN9statesync10gone_againEv" "changed incompatibly"

# A pimpl's function gone: exported, but no interface.
sed "/<elf-function-symbols>/a\\    <elf-symbol name='_ZN9statesync4Lock4Impl10gone_againEv' type='func-type' binding='global-binding' visibility='default-visibility' is-defined='yes'/>" \
  "$baseline" >"$work/impl-changed.abi"
expect 0 "$work/impl-changed.abi" "compatible with its baseline"

# A function the library exports and the baseline does not.
symbol=_ZN9statesync15error_kind_nameENS_9ErrorKindE
grep -q "elf-symbol name='$symbol'" "$baseline" || fail "no $symbol in the baseline"
grep -v "elf-symbol name='$symbol'" "$baseline" >"$work/function-added.abi"
expect 0 "$work/function-added.abi" "compatible with its baseline"

sed "1s/soname='libstatesync\.so\.[0-9]*'/soname='libstatesync.so.999'/" "$baseline" >"$work/old-soname.abi"
expect 1 "$work/old-soname.abi" "the baseline libstatesync.so.999: commit the new SONAME's baseline"
