"""statesync-sub --watch when the server closes a connection the watcher
relies on but does not listen on (the tracking reader: CLIENT KILL TYPE
normal, the server's idle `timeout`), or a server gone silent (its
keepalive PING unanswered): a gap like a lost listener, after which every
key is read again and later changes are printed. A read the server does not
answer ends by the caller's deadline (-w) too."""

import subprocess

from test_watch import FORMAT, Lines, watches  # noqa: F401 (fixture)


def test_killed_tracking_reader_is_a_gap(redis, watches):  # noqa: F811
    redis.command("SET", "k", "before")
    w = watches(redis, "-F", FORMAT, keys=["k"])
    assert w.expect("k set") == "k set string before"
    errors = Lines(w.process.stderr)
    # The listener is a Pub/Sub client; TYPE normal closes only the reader.
    assert int(redis.command("CLIENT", "KILL", "TYPE", "normal")) >= 1
    errors.wait_for(b"reconnected to")
    redis.command("SET", "k", "after")
    assert w.expect("k set") == "k set string after"
    w.settle()


def test_server_idle_timeout_is_a_gap(redis, watches):  # noqa: F811
    redis.command("SET", "k", "before")
    w = watches(redis, "-F", FORMAT, keys=["k"])
    assert w.expect("k set") == "k set string before"
    errors = Lines(w.process.stderr)
    redis.command("CONFIG", "SET", "timeout", "1")
    # The server closes the idle reader after a second: noticed, it is a
    # gap, and the watcher reconnects.
    errors.wait_for(b"reconnected to")
    redis.command("CONFIG", "SET", "timeout", "0")
    redis.command("SET", "k", "after")
    assert w.expect("k set") == "k set string after"
    w.settle()


def test_silent_server_is_a_gap(redis, watches):  # noqa: F811
    redis.command("SET", "k", "before")
    # --keepalive: found within a second rather than the default 15.
    w = watches(redis, "-F", FORMAT, "--timeout", "0.5", "--keepalive", "0.5", keys=["k"])
    assert w.expect("k set") == "k set string before"
    errors = Lines(w.process.stderr)
    redis.pause()  # SIGSTOP: connections stay open, nothing answers
    try:
        errors.wait_for(b"no answer to a keepalive PING")
    finally:
        redis.resume()
    errors.wait_for(b"reconnected to")
    redis.command("SET", "k", "after")
    assert w.expect("k set") == "k set string after"


def test_wait_ends_by_w_while_a_read_is_unanswered(redis, watches):  # noqa: F811
    # --timeout far past -w and the bound below: only -w can end the read.
    w = watches(redis, "-F", FORMAT, "-w", "3", "--timeout", "60", keys=["k"])
    redis.command("SET", "k", "changed")
    # A round trip after the SET: its invalidation has gone to the watcher,
    # which reads the key on receiving it, from a server that stops answering.
    redis.command("PING")
    redis.pause()
    try:
        rc = w.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        raise AssertionError("-w 3 did not end the watch while a read went unanswered")
    finally:
        redis.resume()
    assert rc == 0, w.process.stderr.read()
