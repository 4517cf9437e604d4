"""statesync-sub --watch when the server closes a connection the watcher
relies on but does not listen on (the tracking reader: CLIENT KILL TYPE
normal, the server's idle `timeout`), or a server gone silent (its
keepalive PING unanswered): a gap like a lost listener, after which every
key is read again and later changes are printed."""

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
    w = watches(redis, "-F", FORMAT, "--timeout", "0.5", keys=["k"])
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
