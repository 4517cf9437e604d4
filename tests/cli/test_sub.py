"""statesync-sub as a user runs it: forms, counts and timeouts, every output
mode byte for byte, pipes, --exec, signals and usage errors."""

import base64
import json
import os
import pty
import re
import signal
import subprocess
import time

import pytest

from conftest import clean_env, run, spawn, tool_path

TOOL = "statesync-sub"
BINARY = [b"plain", b"nul\x00inside", b"\xff\xfe invalid utf-8 \xc3", b"two\nlines", b"", b"tab\tand \"quote\""]


def wait_subscribed(redis, channel, count=1, kind="NUMSUB"):
    """Until PUBSUB shows `count` subscribers (NUMSUB, SHARDNUMSUB) or
    patterns (NUMPAT): bounded, so a subscriber that never comes fails."""
    for _ in range(1000):
        if kind == "NUMPAT":
            found = redis.command("PUBSUB", "NUMPAT")
        else:
            found = redis.command("PUBSUB", kind, channel)[1]
        if found >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"no subscriber on {channel}")


def subscribe(redis, *args, channel="ch", kind="NUMSUB", **kwargs):
    """Starts statesync-sub and returns it once it is subscribed."""
    sub = spawn(TOOL, "-p", redis.port, *args, **kwargs)
    try:
        wait_subscribed(redis, channel, kind=kind)
    except BaseException:
        sub.kill()
        sub.wait()
        raise
    return sub


def finish(sub, timeout=20):
    try:
        out, err = sub.communicate(timeout=timeout)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    return sub.returncode, out, err


def publish_all(redis, channel, payloads, command="PUBLISH"):
    with redis.client() as c:
        for payload in payloads:
            c.command(command, channel, payload)


# Forms, counts and timeouts.

def test_payload_and_newline_then_exit_after_count(redis):
    sub = subscribe(redis, "-C", 2, "ch")
    publish_all(redis, "ch", [b"hello", b"world", b"not printed"])
    assert finish(sub) == (0, b"hello\nworld\n", b"")


def test_several_channels(redis):
    sub = subscribe(redis, "-C", 2, "-v", "a", "b", channel="b")
    publish_all(redis, "a", [b"1"])
    publish_all(redis, "b", [b"2"])
    rc, out, _ = finish(sub)
    assert (rc, out) == (0, b"a 1\nb 2\n")


def test_wait_without_count_stops_with_zero(redis):
    assert run(TOOL, "-p", redis.port, "-W", "0.3", "ch").returncode == 0


def test_wait_before_count_is_reached_exits_one(redis):
    sub = subscribe(redis, "-C", 3, "-w", "1", "ch")
    publish_all(redis, "ch", [b"only one"])
    assert finish(sub) == (1, b"only one\n", b"")


def test_count_reached_within_wait_exits_zero(redis):
    sub = subscribe(redis, "-C", 1, "--wait", "30", "ch")
    publish_all(redis, "ch", [b"x"])
    assert finish(sub)[0] == 0


def test_idle_ends_after_silence(redis):
    sub = subscribe(redis, "--idle", "0.5", "ch")
    publish_all(redis, "ch", [b"a", b"b"])
    assert finish(sub) == (0, b"a\nb\n", b"")


def test_patterns(redis):
    sub = subscribe(redis, "-P", "-C", 2, "--json", "app.*", kind="NUMPAT")
    publish_all(redis, "other", [b"no"])
    publish_all(redis, "app.one", [b"1"])
    publish_all(redis, "app.two", [b"2"])
    rc, out, _ = finish(sub)
    lines = [json.loads(line) for line in out.splitlines()]
    assert rc == 0
    assert [(x["channel"], x["pattern"], x["payload"]) for x in lines] == [("app.one", "app.*", "1"),
                                                                          ("app.two", "app.*", "2")]


def test_sharded(redis):
    sub = subscribe(redis, "--sharded", "-C", 2, "-v", "s1", "s2", channel="s2", kind="SHARDNUMSUB")
    publish_all(redis, "s1", [b"one"], command="SPUBLISH")
    publish_all(redis, "s2", [b"two"], command="SPUBLISH")
    assert finish(sub)[:2] == (0, b"s1 one\ns2 two\n")


def test_double_dash_ends_options_without_exec(redis):
    sub = subscribe(redis, "-C", 1, "--", "-odd", channel="-odd")
    publish_all(redis, "-odd", [b"ok"])
    assert finish(sub)[:2] == (0, b"ok\n")


# Output modes, byte for byte.

def binary_run(redis, *args):
    sub = subscribe(redis, "-C", len(BINARY), *args, "ch")
    publish_all(redis, "ch", BINARY)
    rc, out, err = finish(sub)
    assert rc == 0, err
    return out


def test_default_output_is_exact(redis):
    assert binary_run(redis) == b"".join(p + b"\n" for p in BINARY)


def test_null_terminated(redis):
    assert binary_run(redis, "-0") == b"".join(p + b"\0" for p in BINARY)


def test_no_newline(redis):
    assert binary_run(redis, "-N") == b"".join(BINARY)


def test_verbose_prefixes_the_channel_without_colour_in_a_pipe(redis):
    assert binary_run(redis, "-v") == b"".join(b"ch " + p + b"\n" for p in BINARY)


def test_format_fields(redis):
    out = binary_run(redis, "-F", r"%t|%P|%l|%x|%b|%v|%%|\t|\\|\0|%p")
    records = out.split(b"\n")
    assert records[-1] == b""
    expected = [b"ch||%d|%s|%s||%%|\t|\\|\0|%s" % (len(p), p.hex().encode(), base64.b64encode(p), p)
                for p in BINARY]
    # Payloads with newlines: compare the whole output.
    assert out == b"".join(e + b"\n" for e in expected)


def test_format_times(redis):
    sub = subscribe(redis, "-C", 1, "-F", "%I %U", "ch")
    before = time.time()
    publish_all(redis, "ch", [b"x"])
    rc, out, _ = finish(sub)
    after = time.time()
    iso, unix = out.decode().split()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", iso)
    assert re.fullmatch(r"\d+\.\d{6}", unix)
    assert before - 1 <= float(unix) <= after + 1
    assert time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(float(unix)))) == iso[:19]


def test_format_with_null_terminator(redis):
    assert binary_run(redis, "-F", "<%p>", "-0") == b"".join(b"<" + p + b">\0" for p in BINARY)


@pytest.mark.parametrize("template,why", [("%q", b"unknown field '%q'"), ("abc%", b"ends in the middle"),
                                          ("\\", b"ends in the middle"), ("\\x", b"unknown escape")])
def test_bad_format_is_usage(redis, template, why):
    result = run(TOOL, "-p", redis.port, "-F", template, "ch")
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-sub: bad format template") and why in result.stderr
    assert result.stderr.count(b"\n") == 1


def test_json_lines_parse_back(redis):
    out = binary_run(redis, "--json")
    lines = out.split(b"\n")
    assert lines[-1] == b""
    objects = [json.loads(line) for line in lines[:-1]]
    assert len(objects) == len(BINARY)
    for payload, obj in zip(BINARY, objects):
        assert obj["channel"] == "ch" and "pattern" not in obj
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", obj["time"])
        try:
            text = payload.decode("utf-8")
            assert obj["payload"] == text and "payload_base64" not in obj
        except UnicodeDecodeError:
            assert base64.b64decode(obj["payload_base64"]) == payload and "payload" not in obj


def test_json_control_characters_are_escaped(redis):
    payload = bytes(range(0, 32)) + "é€😀\x7f".encode()
    sub = subscribe(redis, "-C", 1, "--json", "ch")
    publish_all(redis, "ch", [payload])
    rc, out, _ = finish(sub)
    assert rc == 0
    line = out.rstrip(b"\n")
    assert b"\n" not in line and b"\\u0000" in line and b"\\u001f" in line
    assert json.loads(line)["payload"] == payload.decode()


def test_colour_on_a_terminal_unless_no_color(redis):
    for env, coloured in [({}, True), ({"NO_COLOR": "1"}, False)]:
        leader, follower = pty.openpty()
        try:
            sub = spawn(TOOL, "-p", redis.port, "-v", "-C", 1, "ch", stdout=follower, env=env)
            os.close(follower)
            wait_subscribed(redis, "ch")
            publish_all(redis, "ch", [b"hi"])
            assert sub.wait(timeout=20) == 0
            out = b""
            while b"hi" not in out:
                out += os.read(leader, 1024)
        finally:
            os.close(leader)
        assert (b"\x1b[" in out) == coloured
        assert b"ch" in out and out.rstrip(b"\r\n").endswith(b"hi")


# Pipes.

def test_each_message_is_flushed_into_a_pipe(redis):
    sub = subscribe(redis, "ch")
    try:
        publish_all(redis, "ch", [b"first"])
        assert sub.stdout.readline() == b"first\n"
        publish_all(redis, "ch", [b"second"])
        assert sub.stdout.readline() == b"second\n"
        assert sub.poll() is None
    finally:
        sub.terminate()
        finish(sub)


def test_closed_pipe_ends_at_once_and_quietly(redis):
    script = f"set -o pipefail; '{tool_path(TOOL)}' -p {redis.port} ch | head -1"
    shell = subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=clean_env())
    try:
        wait_subscribed(redis, "ch")
        publish_all(redis, "ch", [b"ready"])
        # Only one message: the subscriber must notice head has gone by itself.
        out, err = shell.communicate(timeout=20)
    finally:
        if shell.poll() is None:
            shell.kill()
            shell.wait()
    assert (shell.returncode, out, err) == (0, b"ready\n", b"")


# Signals.

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_ends_cleanly(redis, signum):
    sub = subscribe(redis, "ch")
    publish_all(redis, "ch", [b"before"])
    assert sub.stdout.readline() == b"before\n"
    sub.send_signal(signum)
    rc, out, err = finish(sub)
    assert (rc, out, err) == (128 + signum, b"", b"")
    for _ in range(500):  # the server notices the unsubscribe soon after
        if redis.command("PUBSUB", "NUMSUB", "ch")[1] == 0:
            break
        time.sleep(0.01)
    assert redis.command("PUBSUB", "NUMSUB", "ch")[1] == 0


# --exec.

def test_exec_runs_in_order_with_payload_and_environment(redis, tmp_path):
    log = tmp_path / "log"
    script = 'printf "%s|%s|" "$STATESYNC_CHANNEL" "${STATESYNC_PATTERN-unset}" >> "$0"; cat >> "$0"; echo >> "$0"'
    sub = subscribe(redis, "-C", 20, "ch", "--exec", "--", "sh", "-c", script, str(log),
                    env={"STATESYNC_PATTERN": "inherited"})
    payloads = [b"m%d" % i for i in range(19)] + [b"bin\x00ary"]
    publish_all(redis, "ch", payloads)
    rc, out, err = finish(sub)
    assert (rc, out, err) == (0, b"", b"")
    assert log.read_bytes() == b"".join(b"ch|unset|" + p + b"\n" for p in payloads)


def test_exec_with_pattern(redis, tmp_path):
    log = tmp_path / "log"
    script = 'echo "$STATESYNC_CHANNEL $STATESYNC_PATTERN $(cat)" >> "$0"'
    sub = subscribe(redis, "-P", "-C", 1, "app.*", "--exec", "--", "sh", "-c", script, str(log), kind="NUMPAT")
    publish_all(redis, "app.x", [b"hello"])
    assert finish(sub)[0] == 0
    assert log.read_text() == "app.x app.* hello\n"


def test_exec_no_shell_is_involved(redis):
    sub = subscribe(redis, "-C", 1, "ch", "--exec", "--", "echo", "$HOME", "a b")
    publish_all(redis, "ch", [b"x"])
    assert finish(sub)[:2] == (0, b"$HOME a b\n")


def test_exec_failure_is_reported_and_the_next_message_handled(redis, tmp_path):
    log = tmp_path / "log"
    script = 'read x; echo "$x" >> "$0"; [ "$x" != bad ]'
    sub = subscribe(redis, "-C", 2, "ch", "--exec", "--", "sh", "-c", script, str(log))
    publish_all(redis, "ch", [b"bad", b"good"])
    rc, _, err = finish(sub)
    assert rc == 0
    assert log.read_text() == "bad\ngood\n"
    assert err == b"statesync-sub: 'sh' exited with status 1 (message on 'ch'); going on\n"


def test_exec_command_not_found_is_usage(redis):
    result = run(TOOL, "-p", redis.port, "ch", "--exec", "--", "no-such-command-here")
    assert result.returncode == 64
    assert b"cannot run 'no-such-command-here'" in result.stderr


# Usage.

@pytest.mark.parametrize("args,message", [
    (["-R", "--sharded", "a"], b"-R cannot be used with --sharded"),
    (["-P", "--sharded", "a"], b"do not go together"),
    (["-N", "-0", "a"], b"do not go together"),
    (["--json", "-F", "%p", "a"], b"do not go together"),
    (["--exec", "a"], b"--exec needs a command"),
    (["--exec", "--json", "a", "--", "cat"], b"do not go together"),
    ([], b"no channel"),
    (["-C", "0", "a"], b"--count"),
    (["-W", "-1", "a"], b"wait"),
    (["--no-reconnect", "--give-up", "1", "a"], b"do not go together"),
    (["--live", "-F", "%p", "a"], b"do not go together"),
    (["--live", "--exec", "a", "--", "cat"], b"do not go together"),
    (["-F", "%10b", "a"], b"'%b' takes no width"),
])
def test_usage_errors(redis, args, message):
    result = run(TOOL, "-p", redis.port, *args)
    assert result.returncode == 64, result.stderr
    assert result.stderr.startswith(b"statesync-sub: ") and message in result.stderr
    assert result.stderr.count(b"\n") == 1


def test_cannot_connect_is_69():
    from redis_fixture import free_port
    result = run(TOOL, "-p", free_port(), "ch")
    assert result.returncode == 69
    assert result.stderr.startswith(b"statesync-sub: cannot connect to 127.0.0.1:")


def test_pretty_indents_the_json_object(redis):
    """--pretty (mosquitto_sub's flag): the same object as --json, one member a line."""
    assert run("statesync-pub", "-p", redis.port, "-r", "pretty", 'a "quoted", {braced} value').returncode == 0
    compact = run("statesync-sub", "-p", redis.port, "--retained-only", "--json", "pretty")
    pretty = run("statesync-sub", "-p", redis.port, "--retained-only", "--json", "--pretty", "pretty")
    assert compact.returncode == 0 and pretty.returncode == 0, pretty.stderr
    lines = pretty.stdout.decode().splitlines()
    assert lines[0] == "{" and lines[-1] == "}" and lines[1] == '  "channel": "pretty",'
    assert lines[-2] == '  "payload": "a \\"quoted\\", {braced} value"'
    without_time = [json.loads(out) for out in (compact.stdout, pretty.stdout)]
    for parsed in without_time:
        parsed.pop("time")
    assert without_time[0] == without_time[1]
