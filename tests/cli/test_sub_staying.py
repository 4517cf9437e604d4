"""statesync-sub's retained state (-R) with concurrent publishers, and how it
stays connected: a server restarted on the same port, --no-reconnect,
--give-up, --keepalive against a paused server."""

import json
import queue
import signal
import threading
import time

import pytest

from conftest import run, spawn
from test_sub import finish, publish_all, subscribe, wait_subscribed

TOOL = "statesync-sub"

# What statesync-pub --retain does, atomically: store the payload, bump the
# version, index the channel (for -R -P), publish. Here the payload is the
# new version, to check order.
RETAIN = """
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'payload', tostring(version))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('PUBLISH', ARGV[1], tostring(version))
return version
"""


class Lines:
    """Reads a stream line by line in a thread, so a test can wait for a
    line with a bound instead of blocking forever."""

    def __init__(self, stream):
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in iter(stream.readline, b""):
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, text, timeout=30):
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                line = self.queue.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; saw {seen!r}")


def test_retained_state_first(redis):
    redis.command("HSET", "statesync:state:cfg", "payload", b"mode=\x00fast\n", "version", 7)
    sub = subscribe(redis, "-R", "-C", 2, "--json", "cfg", "empty", channel="empty")
    publish_all(redis, "cfg", [b"live"])
    rc, out, err = finish(sub)
    assert rc == 0, err
    first, second = [json.loads(line) for line in out.splitlines()]
    assert (first["channel"], first["payload"], first["retained"], first["version"]) == ("cfg", "mode=\x00fast\n",
                                                                                         True, 7)
    assert second["payload"] == "live" and "retained" not in second and "version" not in second


def test_retained_state_is_exact_bytes_and_counts(redis):
    redis.command("HSET", "statesync:state:cfg", "payload", b"\xff\x00raw", "version", 1)
    result = run(TOOL, "-p", redis.port, "-R", "-C", 1, "-0", "cfg")
    assert (result.returncode, result.stdout) == (0, b"\xff\x00raw\x00")


def test_retained_format_version_field(redis):
    redis.command("HSET", "app:state:cfg", "payload", "on", "version", 42)
    result = run(TOOL, "-p", redis.port, "-R", "--key-prefix", "app:", "-C", 1, "-F", "%t=%p@@%v", "cfg")
    assert (result.returncode, result.stdout) == (0, b"cfg=on@42\n")


def test_retained_states_matching_a_pattern(redis):
    redis.command("HSET", "statesync:state:app.b", "payload", "B", "version", 2)
    redis.command("HSET", "statesync:state:app.a", "payload", "A", "version", 1)
    redis.command("HSET", "statesync:state:other", "payload", "O", "version", 1)
    redis.command("ZADD", "statesync:retained", 0, "app.b", 0, "app.a", 0, "other")  # the index
    sub = subscribe(redis, "-R", "-P", "-C", 3, "-F", "%P %t %p %v", "app.*", kind="NUMPAT")
    publish_all(redis, "app.c", [b"C"])
    assert finish(sub)[:2] == (0, b"app.* app.a A 1\napp.* app.b B 2\napp.* app.c C \n")


def test_absent_state_prints_nothing(redis):
    sub = subscribe(redis, "-R", "-C", 1, "-W", "0.5", "nothing", channel="nothing")
    assert finish(sub)[:2] == (1, b"")


@pytest.mark.parametrize("names", [["race"], ["-P", "rac?"]])
def test_retained_with_concurrent_publishers_has_no_gap_and_no_duplicate(redis, names):
    """Publishers bump the version while subscribers start: each one must
    see its first state and then every later version exactly once."""
    stop = threading.Event()
    errors = []

    def publisher():
        try:
            with redis.client() as c:
                while not stop.is_set():
                    c.command("EVAL", RETAIN, 2, "statesync:state:race", "statesync:retained", "race")
        except Exception as error:  # reported by the test below
            errors.append(error)

    threads = [threading.Thread(target=publisher) for _ in range(2)]
    for t in threads:
        t.start()
    subs = []
    try:
        for _ in range(4):
            subs.append(spawn(TOOL, "-p", redis.port, "-R", "-C", 300, "-W", "60", *names))
        results = [finish(sub, timeout=90) for sub in subs]
    finally:
        stop.set()
        for t in threads:
            t.join()
        for sub in subs:
            if sub.poll() is None:
                sub.kill()
                sub.wait()
    assert not errors
    for rc, out, err in results:
        assert rc == 0, err
        versions = [int(line) for line in out.splitlines()]
        assert len(versions) == 300
        assert versions == list(range(versions[0], versions[0] + 300))


def test_server_restart_reconnects_and_prints_later_messages(redis):
    sub = subscribe(redis, "ch")
    stderr = Lines(sub.stderr)
    try:
        publish_all(redis, "ch", [b"before"])
        assert sub.stdout.readline() == b"before\n"
        redis.restart()
        assert b"lost" in stderr.wait_for(b"reconnecting")
        wait_subscribed(redis, "ch")
        assert stderr.wait_for(b"reconnected to 127.0.0.1:%d" % redis.port)
        publish_all(redis, "ch", [b"after"])
        assert sub.stdout.readline() == b"after\n"
    finally:
        sub.terminate()
        assert finish(sub)[0] == 143


def test_retained_state_is_printed_again_after_a_reconnect(redis):
    redis.command("HSET", "statesync:state:cfg", "payload", "one", "version", 1)
    sub = subscribe(redis, "-R", "cfg", channel="cfg")
    try:
        assert sub.stdout.readline() == b"one\n"
        redis.restart()  # empty: set the state again while it reconnects
        redis.command("HSET", "statesync:state:cfg", "payload", "two", "version", 2)
        # It may have come back before the HSET, and read no state: make its
        # next return come after it (no-op if it is not back yet).
        redis.command("CLIENT", "KILL", "TYPE", "pubsub")
        assert sub.stdout.readline() == b"two\n"
    finally:
        sub.terminate()
        finish(sub)


def test_signal_while_reconnecting_ends_cleanly(redis):
    sub = subscribe(redis, "ch")
    stderr = Lines(sub.stderr)
    try:
        redis.stop()
        stderr.wait_for(b"reconnecting")
        sub.send_signal(signal.SIGTERM)
        assert sub.wait(timeout=20) == 143
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()


def test_no_reconnect_exits_69_at_once(redis):
    sub = subscribe(redis, "--no-reconnect", "ch")
    redis.stop()
    rc, out, err = finish(sub)
    assert rc == 69
    assert err.startswith(b"statesync-sub: connection to 127.0.0.1:%d lost" % redis.port)
    assert err.count(b"\n") == 1


def test_give_up_exits_69(redis):
    sub = subscribe(redis, "--give-up", "0.5", "ch")
    redis.stop()
    rc, _, err = finish(sub)
    assert rc == 69
    lines = err.splitlines()
    assert b"reconnecting" in lines[0]
    assert lines[-1].startswith(b"statesync-sub: ") and lines[-1].endswith(b"not back within 0.5s")


def test_keepalive_notices_a_paused_server(redis):
    sub = subscribe(redis, "--keepalive", "0.2", "--timeout", "0.5", "--no-reconnect", "ch")
    redis.pause()
    try:
        rc, _, err = finish(sub)
    finally:
        redis.resume()
    assert rc == 69
    assert err == b"statesync-sub: no answer to a keepalive PING from 127.0.0.1:%d within 0.5s\n" % redis.port


def test_keepalive_reconnects_when_the_server_comes_back(redis):
    sub = subscribe(redis, "--keepalive", "0.2", "--timeout", "0.5", "ch")
    stderr = Lines(sub.stderr)
    try:
        redis.pause()
        try:
            stderr.wait_for(b"no answer to a keepalive PING")
        finally:
            redis.resume()
        stderr.wait_for(b"reconnected")
        wait_subscribed(redis, "ch", count=1)
        publish_all(redis, "ch", [b"alive"])
        assert sub.stdout.readline() == b"alive\n"
    finally:
        sub.terminate()
        finish(sub)


def test_keepalive_keeps_a_quiet_connection(redis):
    sub = subscribe(redis, "--keepalive", "0.1", "--no-reconnect", "-W", "1", "ch")
    assert finish(sub) == (0, b"", b"")


@pytest.mark.parametrize("args", [["--no-reconnect"], []])
def test_refused_channel_is_not_retried(servers, args):
    server = servers(acl_lines=["limited on >pw ~* &allowed:* +@all", "default on nopass ~* &* +@all"])
    result = run(TOOL, "-p", server.port, "--user", "limited", "-a", "pw", *args, "forbidden")
    assert result.returncode == 77
    assert b"cannot subscribe to 'forbidden'" in result.stderr and b"NOPERM" in result.stderr


@pytest.mark.parametrize("mode", [["ch"], ["-R", "ch"], ["--watch", "k"], ["--stream", "st"]])
def test_a_first_connection_given_time_is_tried_again_not_reconnected(redis, mode):
    # --give-up lets every mode wait for a server that is not up yet; what
    # it says is about connecting, not reconnecting, then or at the end.
    redis.stop()
    done = run("statesync-sub", "-p", str(redis.port), "--give-up", "0.3", *mode)
    rc, err = done.returncode, done.stderr
    lines = err.decode().splitlines()
    assert rc == 69, lines
    assert lines[0].endswith("Connection refused; trying again until --give-up"), lines
    assert lines[-1].endswith("Connection refused; not reachable within 0.3s"), lines
    assert len(lines) == 2 and "reconnect" not in err.decode(), lines
