"""statesync-lock NAME with no command (as etcdctl lock NAME): a lock held
by hand for a maintenance window, until a signal or the end of standard
input."""

import signal
import subprocess

from test_lock import lock, start, stop
from test_lock_check import age_past


def take_by_hand(redis, *args):
    holder = start(redis, *args, "window", stdin=subprocess.PIPE)
    token = holder.stdout.readline()
    assert token, holder.stderr.read()
    return holder, token


def test_prints_the_token_keeps_the_lease_and_releases_when_stdin_closes(redis):
    holder, token = take_by_hand(redis, "--ttl", "0.3")
    try:
        assert token == b"1\n"
        age_past(redis, 1000)  # three leases long: kept by renewals
        assert lock(redis, "-n", "window", "--", "true").returncode == 1
        holder.stdin.close()
        assert holder.wait(timeout=20) == 0, holder.stderr.read()
    finally:
        stop(holder)
    assert redis.command("EXISTS", "statesync:lock:{window}") == 0  # released, not expired
    assert lock(redis, "-n", "window", "--", "true").returncode == 0
    shown = lock(redis, "--history", "--outcome", "ok", "window").stdout.decode().splitlines()
    assert len(shown) == 2 and " fence 1 ok, " in shown[1], shown


def test_sigint_and_sigterm_release_it(redis):
    for sig in [signal.SIGINT, signal.SIGTERM]:
        holder, token = take_by_hand(redis)
        try:
            holder.send_signal(sig)
            assert holder.wait(timeout=20) == 128 + sig
        finally:
            stop(holder)
        assert redis.command("EXISTS", "statesync:lock:{window}") == 0


def test_a_lock_lost_by_hand_exits_75(redis):
    holder, _ = take_by_hand(redis, "--ttl", "1")
    try:
        redis.command("DEL", "statesync:lock:{window}")
        assert holder.wait(timeout=20) == 75
        assert b"statesync-lock: lock 'window' lost: " in holder.stderr.read()
    finally:
        stop(holder)
