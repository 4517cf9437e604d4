"""statesync-pub as a script uses it: what a raw subscriber receives, byte
for byte, retained state, exit statuses and their one-line messages."""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import run, spawn

TOOL = "statesync-pub"


def pub(server, *args, input=None, env=None):
    return run(TOOL, "-p", server.port, *args, input=input, env=env)


def state(server, channel, prefix="statesync:"):
    fields = server.command("HGETALL", f"{prefix}state:{channel}")
    return dict(zip(fields[::2], fields[1::2]))


def wait_for_subscribers(server, channel, count=1):
    for _ in range(1000):
        if server.command("PUBSUB", "NUMSUB", channel)[1] >= count:
            return
        time.sleep(0.01)
    raise AssertionError("no subscriber showed up")


def test_each_argument_is_one_message_in_order(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    result = pub(redis, "ch", "one", "two words", "", "three")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"" and result.stderr == b""
    assert sub.messages(4) == [(b"ch", b"one"), (b"ch", b"two words"), (b"ch", b""), (b"ch", b"three")]


def test_binary_payload_arrives_unchanged(redis, raw_subscriber):
    sub = raw_subscriber(redis, "bin")
    payload = bytes(range(256)) * 4 + b"\r\n\0\xc3\x28 invalid utf-8\r\n"
    result = pub(redis, "-x", "bin", input=payload)
    assert result.returncode == 0, result.stderr
    assert sub.message() == (b"bin", payload)


def test_binary_channel_names(redis, raw_subscriber):
    channel = b"ch\xff\r\x01"
    sub = raw_subscriber(redis, channel)
    result = pub(redis, "-0", "--channel-field", ":", input=channel + b":pay\nload\0")
    assert result.returncode == 0, result.stderr
    assert sub.message() == (channel, b"pay\nload")


def test_one_mebibyte_message(redis, raw_subscriber):
    sub = raw_subscriber(redis, "big")
    payload = os.urandom(1 << 20)
    assert pub(redis, "-x", "big", input=payload).returncode == 0
    assert sub.message() == (b"big", payload)


def test_file_is_one_message(redis, raw_subscriber, tmp_path):
    path = tmp_path / "message.bin"
    payload = b"line 1\nline 2\r\n\0end"
    path.write_bytes(payload)
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-f", path, "ch").returncode == 0
    assert sub.message() == (b"ch", payload)


def test_unreadable_file_is_66_even_without_a_server(tmp_path):
    from redis_fixture import free_port
    result = run(TOOL, "-p", free_port(), "-f", tmp_path / "missing", "ch")
    assert result.returncode == 66
    assert result.stderr == f"statesync-pub: cannot read {tmp_path}/missing: No such file or directory\n".encode()
    directory = run(TOOL, "-p", free_port(), "-f", tmp_path, "ch")
    assert directory.returncode == 66
    assert b"Is a directory" in directory.stderr


def test_lines_last_line_without_newline_and_empty_lines(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-l", "ch", input=b"a\n\nb\nlast").returncode == 0
    assert sub.messages(4) == [(b"ch", b"a"), (b"ch", b""), (b"ch", b"b"), (b"ch", b"last")]


def test_skip_empty(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-l", "--skip-empty", "ch", input=b"a\n\n\nb\n").returncode == 0
    assert pub(redis, "--skip-empty", "ch", "", "c").returncode == 0
    assert sub.messages(3) == [(b"ch", b"a"), (b"ch", b"b"), (b"ch", b"c")]


def test_lines_drop_one_cr_before_the_newline(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-l", "ch", input=b"dos\r\ntwo\r\r\nend\r").returncode == 0
    assert sub.messages(3) == [(b"ch", b"dos"), (b"ch", b"two\r"), (b"ch", b"end\r")]
    # -d '\n' splits at the newline only: every other byte stays.
    assert pub(redis, "-d", "\\n", "ch", input=b"dos\r\n").returncode == 0
    assert sub.message() == (b"ch", b"dos\r")


def test_null_records(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-0", "ch", input=b"one\0two\nlines\r\n\0\0last").returncode == 0
    assert sub.messages(4) == [(b"ch", b"one"), (b"ch", b"two\nlines\r\n"), (b"ch", b""), (b"ch", b"last")]


def test_other_delimiter(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "-d", ",", "ch", input=b"a,b c,\n").returncode == 0
    assert sub.messages(3) == [(b"ch", b"a"), (b"ch", b"b c"), (b"ch", b"\n")]


def test_channel_field_feeds_many_channels(redis, raw_subscriber):
    sub = raw_subscriber(redis, "a", "b")
    result = pub(redis, "-l", "--channel-field", ":", input=b"a:1\nb:2\na:x:y\nb:\n")
    assert result.returncode == 0, result.stderr
    assert sub.messages(4) == [(b"a", b"1"), (b"b", b"2"), (b"a", b"x:y"), (b"b", b"")]


def test_channel_field_record_without_separator_is_65(redis, raw_subscriber):
    sub = raw_subscriber(redis, "a")
    result = pub(redis, "-l", "--channel-field", ":", input=b"a:1\na:2\nbad record\na:3\n")
    assert result.returncode == 65
    assert result.stderr == b"statesync-pub: record 3 has no channel separator ':'; published 2 records\n"
    # Nothing after it was published: the next message is this marker.
    redis.command("PUBLISH", "a", "marker")
    assert sub.messages(3) == [(b"a", b"1"), (b"a", b"2"), (b"a", b"marker")]


def test_retained_state_and_version(redis, raw_subscriber):
    sub = raw_subscriber(redis, "config")
    assert pub(redis, "-r", "config", "v1").returncode == 0
    assert state(redis, "config") == {b"payload": b"v1", b"version": b"1"}
    payload = b"v2\0\r\n\xff"
    assert pub(redis, "--retain", "-x", "config", input=payload).returncode == 0
    assert state(redis, "config") == {b"payload": payload, b"version": b"2"}
    assert sub.messages(2) == [(b"config", b"v1"), (b"config", payload)]
    assert redis.command("TTL", "statesync:state:config") == -1


def test_retained_stream_counts_versions(redis):
    result = pub(redis, "-r", "-v", "-l", "ch", input=b"a\nb\nc\n")
    assert result.returncode == 0
    assert state(redis, "ch") == {b"payload": b"c", b"version": b"3"}
    assert result.stderr.splitlines()[-1] == b"statesync-pub: message 3: 0 receivers, state version 3"


def test_key_prefix(redis):
    assert pub(redis, "-r", "--key-prefix", "app:", "ch", "x").returncode == 0
    assert state(redis, "ch", prefix="app:") == {b"payload": b"x", b"version": b"1"}
    assert redis.command("EXISTS", "statesync:state:ch") == 0


def test_ttl_expires_retained_state(redis):
    assert pub(redis, "-r", "--ttl", "100", "ch", "x").returncode == 0
    assert 0 < redis.command("PTTL", "statesync:state:ch") <= 100_000
    assert pub(redis, "-r", "--ttl", "0.05", "ch", "y").returncode == 0
    for _ in range(500):
        if redis.command("EXISTS", "statesync:state:ch") == 0:
            break
        time.sleep(0.01)
    assert redis.command("EXISTS", "statesync:state:ch") == 0
    # A retain without --ttl is permanent again.
    assert pub(redis, "-r", "--ttl", "100", "ch", "x").returncode == 0
    assert pub(redis, "-r", "ch", "z").returncode == 0
    assert redis.command("PTTL", "statesync:state:ch") == -1


def test_clear_deletes_state_and_publishes_an_empty_message(redis, raw_subscriber):
    assert pub(redis, "-r", "ch", "v1").returncode == 0
    sub = raw_subscriber(redis, "ch")
    result = pub(redis, "-v", "--clear", "ch")
    assert result.returncode == 0
    assert b"cleared the retained state of 'ch'; the empty message reached 1 subscriber" in result.stderr
    assert sub.message() == (b"ch", b"")
    assert redis.command("EXISTS", "statesync:state:ch") == 0


def test_require_subscribers(redis, raw_subscriber):
    result = pub(redis, "--require-subscribers", "1", "ch", "nobody listens")
    assert result.returncode == 1
    assert result.stderr == b"statesync-pub: the message reached no subscriber\n"
    sub = raw_subscriber(redis, "ch")
    assert pub(redis, "--require-subscribers", "1", "ch", "heard").returncode == 0
    # Everything is published before the verdict.
    result = pub(redis, "--require-subscribers", "2", "ch", "a", "b", "c")
    assert result.returncode == 1
    assert b"3 of 3 messages reached fewer than 2 subscribers" in result.stderr
    assert sub.messages(4) == [(b"ch", b"heard"), (b"ch", b"a"), (b"ch", b"b"), (b"ch", b"c")]


def test_sharded_uses_spublish(redis, raw_subscriber):
    sub = raw_subscriber(redis, "shard", command="SSUBSCRIBE")
    result = pub(redis, "--sharded", "--require-subscribers", "1", "shard", "s1")
    assert result.returncode == 0, result.stderr
    assert pub(redis, "--sharded", "-r", "shard", "s2").returncode == 0
    assert sub.messages(2) == [(b"shard", b"s1"), (b"shard", b"s2")]
    # A plain SUBSCRIBE does not see sharded messages.
    plain = pub(redis, "--sharded", "--require-subscribers", "1", "plain", "x")
    assert plain.returncode == 1


def test_verbose_reports_receivers_per_message(redis, raw_subscriber):
    raw_subscriber(redis, "ch")
    result = pub(redis, "-v", "ch", "a", "b")
    assert result.returncode == 0
    assert b"statesync-pub: message 1: 1 receiver\n" in result.stderr
    assert b"statesync-pub: message 2: 1 receiver\n" in result.stderr


def test_repeat(redis, raw_subscriber):
    sub = raw_subscriber(redis, "beat")
    assert pub(redis, "--repeat", "3", "--interval", "0.01", "beat", "alive").returncode == 0
    assert pub(redis, "--repeat", "2", "beat", "a", "b").returncode == 0
    assert [p for _, p in sub.messages(7)] == [b"alive"] * 3 + [b"a", b"b", b"a", b"b"]


def test_heartbeat_until_a_signal(redis, raw_subscriber):
    sub = raw_subscriber(redis, "beat")
    proc = spawn(TOOL, "-p", redis.port, "--repeat", "0", "--interval", "0.05", "beat", "alive")
    try:
        assert sub.messages(2) == [(b"beat", b"alive")] * 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        proc.kill()
        proc.wait()


def test_slow_producer_is_published_as_it_comes_and_sigint_ends_cleanly(redis, raw_subscriber):
    sub = raw_subscriber(redis, "ch")
    proc = spawn(TOOL, "-p", redis.port, "-v", "-l", "ch", stdin=subprocess.PIPE, bufsize=0)
    try:
        proc.stdin.write(b"first\n")
        # Published while standard input is still open.
        assert sub.message() == (b"ch", b"first")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 128 + signal.SIGINT
        assert proc.stderr.read().endswith(b"statesync-pub: stopped by signal 2; published 1 record\n")
    finally:
        proc.kill()
        proc.wait()
        proc.stdin.close()


@pytest.mark.parametrize("args", [
    [],                                  # no channel
    ["ch"],                              # no message
    ["-l", "-0", "ch"],                  # two input modes
    ["-l", "-x", "ch"],
    ["-x", "-f", "/etc/hostname", "ch"],
    ["-l", "ch", "message"],             # input mode and messages
    ["-d", "ab", "ch"],
    ["--ttl", "5", "ch", "m"],           # --ttl without -r
    ["--clear", "ch", "m"],
    ["--channel-field", ":", "ch", "m"],
    ["--repeat", "2", "-l", "ch"],
])
def test_usage_errors(args):
    result = run(TOOL, *args)
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-pub: ")
    assert result.stderr.count(b"\n") == 1


def test_message_over_the_server_limit_reports_the_server_text(servers):
    server = servers(extra=["proto-max-bulk-len 1mb"])
    # 16 MiB: more than the sockets buffer, so the server closes the
    # connection while the message is still being written, and its reason
    # must still be read.
    for size in (2 << 20, 16 << 20):
        result = pub(server, "-x", "ch", input=b"x" * size)
        assert result.returncode == 69
        assert result.stderr == b"statesync-pub: message 1 failed at 127.0.0.1:%d: ERR Protocol error: invalid " \
                                b"bulk length; the message was not published\n" % server.port


def test_noperm_mid_stream_counts_what_was_published(servers):
    server = servers(acl_lines=["limited on >pw ~* &allowed:* +@all", "default on nopass ~* &* +@all"])
    result = run(TOOL, "-p", server.port, "--user", "limited", "-a", "pw", "-l", "--channel-field", " ",
                 input=b"allowed:1 a\nforbidden b\nallowed:1 c\n")
    assert result.returncode == 77
    assert b"message 2 failed" in result.stderr and b"NOPERM" in result.stderr
    # The third was already on its way (pipelined) and was published. ("of 3"
    # only when the failure is noticed after the end of input was.)
    assert re.search(rb"; published 2 (of 3 )?records\n$", result.stderr)


def test_closed_stdout_is_not_an_error(redis):
    proc = subprocess.run([os.path.join(os.environ.get("STATESYNC_BUILD_DIR", ""), "tools", TOOL),
                           "-p", str(redis.port), "-v", "ch", "x"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30,
                          preexec_fn=lambda: os.close(1))
    assert proc.returncode == 0, proc.stderr
    reader, writer = os.pipe()
    os.close(reader)
    try:
        result = subprocess.run([os.path.join(os.environ.get("STATESYNC_BUILD_DIR", ""), "tools", TOOL),
                                 "-p", str(redis.port), "ch", "x"], stdout=writer, stderr=subprocess.PIPE, timeout=30)
    finally:
        os.close(writer)
    assert result.returncode == 0, result.stderr


def test_progress_only_on_a_terminal(redis):
    lines = b"".join(b"%d\n" % i for i in range(5000))
    result = pub(redis, "--progress", "-l", "ch", input=lines)
    assert result.returncode == 0
    assert result.stderr == b""

    import pty
    master, slave = pty.openpty()
    proc = spawn(TOOL, "-p", redis.port, "--progress", "-l", "ch", stdin=subprocess.PIPE, stderr=slave)
    os.close(slave)
    try:
        proc.communicate(input=lines, timeout=60)
        assert proc.returncode == 0
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            shown += chunk
        assert re.search(rb"statesync-pub: 5000 messages published, \d+/s", shown)
    finally:
        os.close(master)
