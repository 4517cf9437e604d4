#!/usr/bin/env bash
# Runs every program in examples/, built into BUILD_DIR, against the real
# redis-server at URL, on names of their own (examples.*), and checks what
# each prints:
# the install tree's test (tests/consumer/run.sh) and the -dev package's
# (tests/package/run.sh) both run it.
#   tests/examples/run.sh BUILD_DIR URL
set -euo pipefail
build=$1
url=$2
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export STATESYNC_URL=$url
redis() { redis-cli -u "$url" "$@"; }
fail() {
  echo "examples: $*" >&2
  exit 1
}
expect() { # what a command printed, and what it should have
  [ "$1" = "$2" ] || fail "$(printf 'expected:\n%s\ngot:\n%s' "$2" "$1")"
}
# Runs a program in the background with its output into a fifo opened on
# descriptor 3, so that each line is checked as it comes.
start() {
  rm -f "$work/out"
  mkfifo "$work/out"
  "$@" >"$work/out" 2>"$work/err" &
  pids+=($!)
  exec 3<"$work/out"
}
stop() { # a tail runs until it is stopped
  kill "${pids[-1]}"
  wait "${pids[-1]}" || true
  exec 3<&-
}
line() {
  read -r -t 30 got <&3 || fail "no line from the running example (stderr: $(cat "$work/err"))"
  printf '%s' "$got"
}
subscribed() { # waits until the server counts a subscriber on the channel
  for _ in $(seq 300); do
    [ "$(redis PUBSUB NUMSUB "$1" | tail -1)" = 1 ] && return
    sleep 0.05
  done
  fail "nobody subscribed to $1"
}
# A bad argument: one line on stderr naming the program, and a usage status.
usage_error() {
  local status=0
  "$@" >/dev/null 2>"$work/usage" || status=$?
  expect "$status" 64
  if [ "$(wc -l <"$work/usage")" != 1 ] || ! grep -q "^$(basename "$1"): " "$work/usage"; then
    fail "$* said: $(cat "$work/usage")"
  fi
}

expect "$("$build/publish_retained" examples.config v1)" "version 1, received by 0"

# follow_state: the retained state, then the update.
start "$build/follow_state" examples.config 2
expect "$(line)" "state (version 1): v1"
expect "$("$build/publish_retained" examples.config v2)" "version 2, received by 1"
expect "$(line)" "update (version 2): v2"
wait "${pids[-1]}"
# On a channel with nothing retained the first message is an update: the
# example tells them apart by Message::state, not by their order.
start "$build/follow_state" examples.news 2
subscribed examples.news
redis PUBLISH examples.news plain >/dev/null
expect "$(line)" "update: plain"
expect "$("$build/publish_retained" examples.news first)" "version 1, received by 1"
expect "$(line)" "update (version 1): first"
wait "${pids[-1]}"
usage_error "$build/follow_state" examples.config many

# mirror_file: the retained state into a file; the same state again (a
# restart) writes nothing.
expect "$("$build/mirror_file" examples.config "$work/config" 1)" "wrote version 2 to $work/config"
expect "$(cat "$work/config")" "v2"
expect "$("$build/mirror_file" examples.config "$work/config" 1)" "unchanged"
usage_error "$build/mirror_file" examples.config "$work/config" many

expect "$("$build/run_under_lock" examples.job)" "step 1 under fencing token 1
step 2 under fencing token 1
step 3 under fencing token 1"
expect "$(redis EXISTS 'statesync:lock:{examples.job}')" "0" # released
expect "$("$build/run_under_lock" examples.job | head -1)" "step 1 under fencing token 2"

# stream_tail: the entries there, the one it adds, then one added while it
# reads; entry IDs and payloads byte for byte.
redis XADD examples.orders 1-1 payload first >/dev/null
redis XADD examples.orders 1-2 payload "second one" >/dev/null
start "$build/stream_tail" examples.orders 0 hello
expect "$(line)" "1-1 first"
expect "$(line)" "1-2 second one"
added=$(redis XREVRANGE examples.orders + - COUNT 1 | head -1)
expect "$(line)" "$added hello"
expect "$(cat "$work/err")" "added $added"
live=$(redis XADD examples.orders '*' payload live)
expect "$(line)" "$live live"
stop
start "$build/stream_tail" examples.orders -2
expect "$(line)" "$added hello"
expect "$(line)" "$live live"
stop
usage_error "$build/stream_tail" examples.orders yesterday
echo "every example ran and printed what it should"
