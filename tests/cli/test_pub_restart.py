"""statesync-pub's record streams across a restart of a single server:
they reconnect with backoff and send again what was not acknowledged (at
least once, the count honest); --no-reconnect and --give-up mean what they
mean for statesync-sub; one-shot publishes keep failing fast. And
statesync-sub --give-up retries its first connection too."""

import re
import signal
import subprocess

from conftest import run, spawn
from redis_fixture import RedisServer
from test_lock import stop
from test_sub import finish, publish_all, wait_subscribed
from test_sub_staying import Lines

PUB, SUB = "statesync-pub", "statesync-sub"


def lines(first, last):
    return b"".join(b"%d\n" % n for n in range(first, last + 1))


def test_a_line_stream_goes_on_after_a_restart(redis, raw_subscriber):
    before = raw_subscriber(redis, "logs")
    pub = spawn(PUB, "-p", redis.port, "-v", "-l", "logs", stdin=subprocess.PIPE, bufsize=0)
    try:
        # As `tail -F` would write: a burst, a pause, the server restarts.
        pub.stdin.write(lines(1, 100))
        assert [p for _, p in before.messages(100)] == [b"%d" % n for n in range(1, 101)]
        redis.restart()
        after = raw_subscriber(redis, "logs")
        pub.stdin.write(lines(101, 200))
        status, _, err = finish(pub, timeout=60)
    finally:
        stop(pub)
    assert status == 0, err
    assert b"reconnected to 127.0.0.1:%d; sending the unacknowledged messages again" % redis.port in err
    # Every acknowledgement counted once: messages 1 to 200, none beyond.
    acked = [int(n) for n in re.findall(rb"statesync-pub: message (\d+): ", err)]
    assert acked == list(range(1, 201)), err
    # The new server got the second burst whole and in order, perhaps
    # after a resent tail of the first (at least once).
    got = [int(p) for _, p in after.messages(100)]
    while got[-1] != 200:
        got += [int(p) for _, p in after.messages(1)]
    assert got[-100:] == list(range(101, 201))
    assert got[:-100] == list(range(101 - len(got[:-100]), 101))


def test_give_up_ends_a_stream_whose_server_stays_away(redis):
    pub = spawn(PUB, "-p", redis.port, "-v", "--give-up", 1, "-l", "logs", stdin=subprocess.PIPE, bufsize=0)
    try:
        stderr = Lines(pub.stderr)
        pub.stdin.write(b"one\n")
        stderr.wait_for(b"statesync-pub: message 1: ")
        redis.stop()
        pub.stdin.write(b"two\n")
        pub.stdin.close()
        last = stderr.wait_for(b"not back within")
        status = pub.wait(timeout=60)
    finally:
        stop(pub)
    assert status == 69
    assert re.fullmatch(rb"statesync-pub: .*; not back within 1\.0s; published 1 (record|of 2 records)\n", last), last


def test_sigterm_ends_a_stream_that_is_reconnecting(redis):
    pub = spawn(PUB, "-p", redis.port, "-v", "-l", "logs", stdin=subprocess.PIPE, bufsize=0)
    try:
        stderr = Lines(pub.stderr)
        pub.stdin.write(b"one\n")
        stderr.wait_for(b"statesync-pub: message 1: ")
        redis.stop()
        pub.stdin.write(b"two\n")  # its loss starts the reconnecting, which would wait forever
        pub.send_signal(signal.SIGTERM)
        status = pub.wait(timeout=20)
    finally:
        stop(pub)
    assert status == 128 + signal.SIGTERM


def test_no_reconnect_and_give_up_are_for_record_streams(redis):
    for option in (["--no-reconnect"], ["--give-up", "3"]):
        result = run(PUB, "-p", redis.port, *option, "ch", "x")
        assert result.returncode == 64
        assert result.stderr == b"statesync-pub: --no-reconnect and --give-up are for record streams: -l, -0 or -d\n"
    result = run(PUB, "-p", redis.port, "--no-reconnect", "--give-up", "3", "-l", "ch", input=b"")
    assert result.returncode == 64


def test_a_one_shot_publish_fails_fast(redis):
    redis.stop()
    result = run(PUB, "-p", redis.port, "ch", "x")
    assert result.returncode == 69
    assert result.stderr.startswith(b"statesync-pub: cannot connect to 127.0.0.1:%d" % redis.port)


def test_sub_give_up_retries_the_first_connection(tmp_path):
    server = RedisServer(str(tmp_path))  # not started yet
    sub = spawn(SUB, "-p", server.port, "--give-up", 30, "-C", 1, "ch")
    try:
        server.start()
        wait_subscribed(server, "ch")
        publish_all(server, "ch", [b"hello"])
        status, out, err = finish(sub)
    finally:
        stop(sub)
        server.cleanup()
    assert (status, out) == (0, b"hello\n"), err
