"""statesync-sub --watch against real servers: initial values, every kind
of change (SET, HSET, DEL, EXPIRE, RENAME, FLUSHALL, Lua, MULTI/EXEC), a
burst whose last line is the final value, a server restart, patterns with
keys created later, types and JSON, --exec, --debounce, the fallback to
keyspace notifications and the errors."""

import json
import queue
import subprocess
import threading
import time

import pytest

from cluster_fixture import wait_until
from conftest import clean_env, run, spawn, tool_path
from test_sub import finish

TOOL = "statesync-sub"
FORMAT = "%t %e %y %p"


class Lines:
    """The lines of a stream, read in a thread: waited for with a bound,
    and all of them kept."""

    def __init__(self, stream):
        self.queue = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in iter(stream.readline, b""):
            self.queue.put(line)
        self.queue.put(None)

    def wait_for(self, text, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.queue.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; saw {self.seen[-20:]!r}")


class Watch:
    """statesync-sub --watch running, its output read line by line. The
    key `ready` is set before it starts and watched too: its first line
    means every key is tracked (the initial values come after tracking is
    on)."""

    def __init__(self, redis, *args, keys=(), ready=True, env=None):
        self.redis = redis
        marker = []
        if ready:
            redis.command("SET", "ready", "yes")
            marker = ["ready"]
        self.process = spawn(TOOL, "-p", redis.port, "--watch", *args, *marker, *keys, env=env)
        self.lines = Lines(self.process.stdout)
        if ready:
            self.expect("ready")

    def expect(self, text):
        """The next line with `text`: what came before it is returned too."""
        return self.lines.wait_for(text.encode() if isinstance(text, str) else text).rstrip(b"\n").decode()

    def settle(self):
        """Every change made before this call has been printed once the
        marker's change is: one more write, waited for."""
        self.redis.command("INCR", "ready-count")
        self.redis.command("SET", "ready", f"settled {self.redis.command('GET', 'ready-count').decode()}")
        return self.expect("settled")

    def stop(self):
        self.process.terminate()
        return finish(self.process)


@pytest.fixture
def watches():
    started = []

    def make(*args, **kwargs):
        watch = Watch(*args, **kwargs)
        started.append(watch)
        return watch

    yield make
    for watch in started:
        if watch.process.poll() is None:
            watch.process.kill()
            watch.process.wait()


def test_initial_values_then_each_change(redis, watches):
    redis.command("SET", "a", "one")
    redis.command("HSET", "h", "x", "1", "y", "2")
    w = watches(redis, "-F", FORMAT, keys=["a", "h", "missing"])
    lines = [w.expect("a set"), w.expect("h set")]
    assert lines == ["a set string one", "h set hash x=1"]
    assert w.expect("y=2") == "y=2"
    redis.command("SET", "a", "two")
    assert w.expect("a set") == "a set string two"
    redis.command("SET", "missing", "now")
    assert w.expect("missing") == "missing set string now"
    redis.command("HSET", "h", "x", "changed")
    assert w.expect("h set") == "h set hash x=changed"
    redis.command("DEL", "a")
    assert w.expect("a ") == "a deleted  "
    redis.command("PEXPIRE", "missing", 1)
    assert w.expect("missing") == "missing deleted  "
    redis.command("RENAME", "h", "a")
    assert w.expect("a set") == "a set hash x=changed"
    redis.command("FLUSHALL")
    # Every key that existed is deleted, in no promised order.
    assert {w.expect(" deleted"), w.expect(" deleted")} == {"a deleted  ", "ready deleted  "}
    w.settle()
    rc, _, err = w.stop()
    assert rc == 128 + 15, err


def test_lua_script_and_transaction_are_changes(redis, watches):
    w = watches(redis, "-F", FORMAT, keys=["k"])
    redis.command("EVAL", "redis.call('SET', KEYS[1], 'from lua')", 1, "k")
    assert w.expect("k set") == "k set string from lua"
    with redis.client() as c:
        c.command("MULTI")
        c.command("SET", "k", "in multi")
        c.command("APPEND", "k", " and more")
        c.command("EXEC")
    assert w.expect("k set string in multi") == "k set string in multi and more"


def test_a_burst_ends_with_the_final_value(redis, watches):
    w = watches(redis, "-F", "%t=%p", keys=["counter"])
    redis_cli = subprocess.run(["redis-cli", "-p", str(redis.port), "-r", "10000", "INCR", "counter"],
                               capture_output=True, timeout=120)
    assert redis_cli.returncode == 0
    w.expect("counter=10000")
    # Nothing for the key after its final value.
    redis.command("SET", "ready", "after")
    assert w.expect("ready=") == "ready=after"


def test_server_restart_reads_everything_again(redis, watches):
    redis.command("SET", "k", "before")
    w = watches(redis, "-F", FORMAT, keys=["k"])
    assert w.expect("k set") == "k set string before"
    redis.restart()
    redis.command("SET", "k", "after")
    redis.command("SET", "ready", "again")
    # Whatever the watcher saw in between, the value after the restart is
    # the last line for the key once it is back.
    w.expect("ready set string again")
    w.settle()
    rc, out, err = w.stop()
    assert b"reconnected to" in err
    printed = [line for line in w.lines.seen if line.startswith(b"k ")]
    assert printed[-1] == b"k set string after\n"


def test_pattern_sees_keys_created_later_and_ignores_others(redis, watches):
    redis.command("SET", "app:1", "first")
    redis.command("SET", "other", "x")
    w = watches(redis, "-P", "-F", "%P %t %e %p", keys=["app:*"], ready=False)
    assert w.expect("app:1") == "app:* app:1 set first"
    redis.command("SET", "other", "y")
    redis.command("SET", "app:2", "second")
    assert w.expect("app:2") == "app:* app:2 set second"
    redis.command("DEL", "app:1")
    assert w.expect("app:1") == "app:* app:1 deleted "


def test_pattern_matching_nothing_yet_waits(redis):
    sub = spawn(TOOL, "-p", redis.port, "--watch", "-P", "-C", 1, "job:?", "-W", 30)
    lines = Lines(sub.stdout)
    # Tracking is on once a connection shows the tracking flag.
    wait_until(lambda: b"flags=t" in redis.command("CLIENT", "LIST"), "tracking on")
    redis.command("SET", "job:10", "no match")
    redis.command("SET", "job:1", "match")
    assert lines.wait_for(b"match") == b"match\n"
    assert finish(sub)[0] == 0


def test_json_types(redis):
    redis.command("SET", "s", b"bytes\xff")
    redis.command("HSET", "h", "f", "v")
    redis.command("RPUSH", "l", "b", "a")
    redis.command("SADD", "set", "y", "x")
    redis.command("ZADD", "z", "2", "two", "1.5", "one")
    redis.command("XADD", "st", "*", "f", "v")
    result = run(TOOL, "-p", redis.port, "--watch", "--json", "-C", 6, "s", "h", "l", "set", "z", "st")
    assert result.returncode == 0, result.stderr
    objects = {o["key"]: o for o in map(json.loads, result.stdout.splitlines())}
    assert objects["s"]["value"] == {"base64": "Ynl0ZXP/"}
    assert (objects["h"]["type"], objects["h"]["value"]) == ("hash", {"f": "v"})
    assert objects["l"]["value"] == ["b", "a"]
    assert objects["set"]["value"] == ["x", "y"]
    assert objects["z"]["value"] == [["one", 1.5], ["two", 2]]
    assert (objects["st"]["type"], objects["st"]["value"]) == ("stream", None)
    assert all(o["event"] == "set" for o in objects.values())


def test_json_deletion_is_an_event_not_an_empty_value(redis, watches):
    redis.command("SET", "k", "")
    w = watches(redis, "--json", keys=["k"], ready=False)
    first = json.loads(w.expect('"k"'))
    assert (first["event"], first["value"]) == ("set", "")
    redis.command("DEL", "k")
    gone = json.loads(w.expect('"k"'))
    assert (gone["event"], gone["type"], gone["value"]) == ("deleted", None, None)


def test_default_output_is_the_value_and_deletion_goes_to_stderr(redis):
    redis.command("SET", "k", b"raw\x00bytes")
    result = run(TOOL, "-p", redis.port, "--watch", "-C", 1, "-0", "k")
    assert (result.returncode, result.stdout) == (0, b"raw\x00bytes\x00")


def test_binary_key_name(redis):
    key = b"bin\nkey\xff"
    redis.command("SET", key, "v1")
    result = subprocess.run([tool_path(TOOL), "-p", str(redis.port), "--watch", "--json", "-C", "1", key],
                            capture_output=True, env=clean_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["key_base64"] == "YmluCmtlef8="


def test_exec_in_order_with_environment_and_value(redis, tmp_path):
    log = tmp_path / "log"
    script = 'printf "%s %s [" "$STATESYNC_KEY" "$STATESYNC_EVENT" >> "$0"; cat >> "$0"; echo "]" >> "$0"'
    redis.command("SET", "k", "v0")
    sub = spawn(TOOL, "-p", redis.port, "--watch", "-C", 4, "k", "--exec", "--", "sh", "-c", script, str(log),
                env={"STATESYNC_EVENT": "inherited", "STATESYNC_CHANNEL": "inherited"})
    lines = lambda: log.read_text().count("\n") if log.exists() else 0  # noqa: E731
    wait_until(lambda: lines() == 1, "the initial value handled")
    redis.command("SET", "k", "v1")
    wait_until(lambda: lines() == 2, "the SET handled")
    redis.command("DEL", "k")
    wait_until(lambda: lines() == 3, "the DEL handled")
    redis.command("HSET", "k", "f", "v")
    rc, out, err = finish(sub)
    assert (rc, out, err) == (0, b"", b"")
    assert log.read_text() == "k set [v0]\nk set [v1]\nk deleted []\nk set [f=v]\n"


def test_exec_sees_no_inherited_channel_variables(redis, tmp_path):
    redis.command("SET", "k", "v")
    result = run(TOOL, "-p", redis.port, "--watch", "-C", 1, "k", "--exec", "--", "sh", "-c",
                 'echo "${STATESYNC_CHANNEL-unset} $STATESYNC_KEY"', env={"STATESYNC_CHANNEL": "inherited"})
    assert (result.returncode, result.stdout) == (0, b"unset k\n")


def test_debounce_acts_once_with_the_last_value(redis, watches):
    w = watches(redis, "--debounce", "0.3", "-F", "%t=%p", keys=["cfg"])
    with redis.client() as c:
        for i in range(50):
            c.command("SET", "cfg", f"step {i}")
    assert w.expect("cfg=") == "cfg=step 49"
    w.settle()
    rc, _, _ = w.stop()
    assert rc == 128 + 15


# -w and --idle end the watch also while the server is gone and the
# watcher is reconnecting, with their documented statuses: 0 without -C,
# 1 when -C was not reached.
@pytest.mark.parametrize("args,status", [
    (["-w", "5"], 0),
    (["-w", "5", "-C", "5"], 1),
    (["--idle", "5", "-C", "5"], 1),
])
def test_wait_and_idle_end_the_watch_while_reconnecting(redis, args, status):
    redis.command("SET", "k", "v1")
    sub = spawn(TOOL, "-p", redis.port, "--watch", *args, "k")
    lines = Lines(sub.stdout)
    assert lines.wait_for(b"v1") == b"v1\n"
    redis.stop()
    rc, out, err = finish(sub, timeout=60)
    assert rc == status, err
    assert b"reconnecting" in err


def reads(redis):
    """How many GET and MGET the server has run."""
    stats = redis.command("INFO", "commandstats").decode()
    return sum(int(line.split("calls=", 1)[1].split(",", 1)[0]) for line in stats.split("\r\n")
               if line.startswith(("cmdstat_get:", "cmdstat_mget:")))


def test_debounce_acts_only_on_a_settled_value_that_differs(redis, watches):
    redis.command("SET", "cfg", "A")
    w = watches(redis, "--debounce", "1", "-F", "%t=%p", keys=["cfg"])
    assert w.expect("cfg=") == "cfg=A"
    w.settle()
    before = reads(redis)
    redis.command("SET", "cfg", "B")
    # The watcher has read B once it has read a key (nothing else here
    # does): then back to A.
    wait_until(lambda: reads(redis) > before, "cfg read again")
    redis.command("SET", "cfg", "A")
    w.settle()
    printed = [line.decode() for line in w.lines.seen if line.startswith(b"cfg=")]
    # A -> B -> A within the quiet time leaves cfg as it was acted on: no
    # line, unless the machine was so slow that B settled first.
    assert printed in (["cfg=A\n"], ["cfg=A\n", "cfg=B\n", "cfg=A\n"])
    rc, _, _ = w.stop()
    assert rc == 128 + 15


def test_acl_user_without_read_permission_is_77_naming_the_key(servers):
    server = servers(acl_lines=["reader on >pw ~open:* &* +@all", "default on nopass ~* +@all"])
    server.command("SET", "secret", "x")
    result = run(TOOL, "-p", server.port, "--user", "reader", "-a", "pw", "--watch", "-C", 1, "open:a", "secret")
    assert result.returncode == 77, result.stderr
    assert b"'secret'" in result.stderr and result.stderr.count(b"\n") == 1


def test_tracking_refused_falls_back_to_keyspace_notifications(servers):
    server = servers(acl_lines=["limited on >pw ~* &* +@all -client", "default on nopass ~* +@all"],
                     extra=["notify-keyspace-events KA"])
    server.command("SET", "k", "v1")
    sub = spawn(TOOL, "-p", server.port, "--user", "limited", "-a", "pw", "--watch", "-C", 2, "-F", "%t %p", "k")
    lines = Lines(sub.stdout)
    assert lines.wait_for(b"k v1") == b"k v1\n"
    wait_until(lambda: server.command("PUBSUB", "NUMPAT") >= 1, "subscribed to notifications")
    server.command("SET", "k", "v2")
    assert lines.wait_for(b"k v2") == b"k v2\n"
    assert finish(sub)[0] == 0


def test_tracking_refused_without_notifications_says_what_to_enable(servers):
    server = servers(acl_lines=["limited on >pw ~* +@all -client", "default on nopass ~* +@all"])
    result = run(TOOL, "-p", server.port, "--user", "limited", "-a", "pw", "--watch", "k")
    assert result.returncode == 77, result.stderr
    assert b"notify-keyspace-events KA" in result.stderr and result.stderr.count(b"\n") == 1


def test_a_user_without_the_invalidation_channel_is_told_which_channel(servers):
    server = servers(acl_lines=["nochannel on >pw ~* resetchannels +@all", "default on nopass ~* +@all"])
    result = run(TOOL, "-p", server.port, "--user", "nochannel", "-a", "pw", "--watch", "k")
    assert result.returncode == 77, result.stderr
    assert b"&__redis__:invalidate" in result.stderr and result.stderr.count(b"\n") == 1


@pytest.mark.parametrize("args,message", [
    (["--watch"], b"--watch needs a key"),
    (["--watch", "-R", "k"], b"-R cannot be used with --watch"),
    (["--watch", "--sharded", "k"], b"--sharded cannot be used with --watch"),
    (["--debounce", "1", "k"], b"--watch"),
    (["--watch", "--debounce", "0", "k"], b"--debounce"),
])
def test_watch_usage_errors(redis, args, message):
    result = run(TOOL, "-p", redis.port, *args)
    assert result.returncode == 64, result.stderr
    assert result.stderr.startswith(b"statesync-sub: ") and message in result.stderr
