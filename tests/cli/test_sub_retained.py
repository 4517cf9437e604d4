"""statesync-sub -R as a consumer of state sees it: live retained updates
with their version, a cleared state told from an empty payload (--json,
-F, --exec's environment), while other subscribers get the payload as it
is; and -R -P read from the index of retained channels, never the
keyspace."""

import json

import pytest

from conftest import run
from test_sub import finish, publish_all, subscribe

TOOL = "statesync-sub"


def pub(redis, *args, input=None):
    result = run("statesync-pub", "-p", redis.port, *args, input=input)
    assert result.returncode == 0, result.stderr
    return result


def test_live_retained_updates_carry_their_version(redis):
    pub(redis, "-r", "cfg", "state-1")
    sub = subscribe(redis, "-R", "-C", 4, "--json", "cfg", channel="cfg")
    pub(redis, "-r", "cfg", "state-2")
    publish_all(redis, "cfg", [b"plain"])
    pub(redis, "-r", "cfg", "state-3")
    rc, out, err = finish(sub)
    assert rc == 0, err
    seen = [json.loads(line) for line in out.splitlines()]
    assert [(m["payload"], m.get("retained"), m.get("version")) for m in seen] == [
        ("state-1", True, 1), ("state-2", True, 2), ("plain", None, None), ("state-3", True, 3)]


def test_live_version_in_a_format(redis):
    sub = subscribe(redis, "-R", "-C", 2, "-F", "%t %p %v", "cfg", channel="cfg")
    pub(redis, "-r", "cfg", "a")
    pub(redis, "-r", "cfg", "b")
    assert finish(sub)[:2] == (0, b"cfg a 1\ncfg b 2\n")


def test_other_subscribers_get_the_payload_byte_for_byte(redis, raw_subscriber):
    payload = b"\x00\xff1\r\n2"
    raw = raw_subscriber(redis, "cfg")
    pub(redis, "-r", "-x", "cfg", input=payload)
    pub(redis, "-r", "--clear", "cfg")
    publish_all(redis, "cfg", [b"end"])
    assert raw.messages(3) == [(b"cfg", payload), (b"cfg", b""), (b"cfg", b"end")]


def test_a_clear_is_told_from_an_empty_payload(redis):
    pub(redis, "-r", "cfg", "on")
    sub = subscribe(redis, "-R", "-C", 3, "--json", "cfg", channel="cfg")
    pub(redis, "-r", "--clear", "cfg")
    publish_all(redis, "cfg", [b""])
    rc, out, err = finish(sub)
    assert rc == 0, err
    seen = [json.loads(line) for line in out.splitlines()]
    assert seen[1]["payload"] == "" and seen[1]["cleared"] is True and "version" not in seen[1]
    assert seen[2]["payload"] == "" and "cleared" not in seen[2] and "retained" not in seen[2]


def test_exec_is_told_the_version_and_a_clear(redis):
    pub(redis, "-r", "cfg", "first")
    show = 'printf "%s %s %s %s\\n" "$STATESYNC_EVENT" "$STATESYNC_RETAINED" "${STATESYNC_VERSION-none}" "$(cat)"'
    sub = subscribe(redis, "-R", "-C", 4, "cfg", "--exec", "--", "sh", "-c", show, channel="cfg")
    pub(redis, "-r", "cfg", "second")
    publish_all(redis, "cfg", [b"plain"])
    pub(redis, "-r", "--clear", "cfg")
    rc, out, err = finish(sub)
    assert rc == 0, err
    assert out == b"message 1 1 first\nmessage 1 2 second\nmessage 0 none plain\nclear 1 none \n"


def test_live_versions_through_patterns(redis):
    sub = subscribe(redis, "-R", "-P", "-C", 4, "-F", "%P %t %p %v", "app.*", "app.?", kind="NUMPAT")
    pub(redis, "-r", "app.a", "A")
    publish_all(redis, "app.b", [b"B"])
    # Both patterns match app.a: each delivery has its version (the server
    # chooses the order of the patterns).
    rc, out, err = finish(sub)
    assert rc == 0, err
    assert sorted(out.splitlines()) == [b"app.* app.a A 1", b"app.* app.b B ", b"app.? app.a A 1", b"app.? app.b B "]


def test_patterns_read_the_index_not_the_keyspace(redis):
    pub(redis, "-r", "app.a", "A")
    pub(redis, "-r", "other", "O")
    redis.command("CONFIG", "RESETSTAT")
    result = run(TOOL, "-p", redis.port, "-R", "-P", "-C", 1, "app.*")
    assert (result.returncode, result.stdout) == (0, b"A\n")
    stats = redis.command("INFO", "commandstats").decode()
    assert "cmdstat_keys:" not in stats and "cmdstat_scan:" not in stats


def test_expired_states_are_pruned_from_the_index(redis):
    pub(redis, "-r", "app.a", "A")
    pub(redis, "-r", "app.b", "B")
    redis.command("DEL", "statesync:state:app.a")  # as an expiry would
    result = run(TOOL, "-p", redis.port, "-R", "-P", "-C", 1, "-F", "%t", "app.*")
    assert (result.returncode, result.stdout) == (0, b"app.b\n")
    assert redis.command("ZRANGE", "statesync:retained", 0, -1) == [b"app.b"]


def test_clear_leaves_the_index(redis):
    pub(redis, "-r", "app.a", "A")
    pub(redis, "-r", "--clear", "app.a")
    assert redis.command("ZRANGE", "statesync:retained", 0, -1) == []


CHANNELS = ["a", "ab", "abc", "b", "a*b", "a?", "a[x", "a\\b", "[ab]", "a-c", "ax", "ba"]


@pytest.mark.parametrize("pattern", ["*", "a*", "a?", "a[b-c]*", "a[^b]", "a\\*b", "[\\[]ab]", "a[x",
                                     "*b", "a**", "?", "[c-a]*", "\\a*", "a\\"])
def test_patterns_match_as_redis_globs(redis, pattern):
    """The index is read with the script's glob matcher: it must pick the
    channels Redis's own matcher picks (KEYS over the state keys)."""
    for channel in CHANNELS:
        pub(redis, "-r", channel, "x")
    expected = sorted(key[len(b"statesync:state:"):] for key in redis.command("KEYS", "statesync:state:" + pattern))
    result = run(TOOL, "-p", redis.port, "-R", "-P", "-W", "0.2", "-0", "-F", "%t", pattern)
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split(b"\0")[:-1]) == expected


def test_count_not_reached_when_idle_exits_1(redis):
    result = run(TOOL, "-p", redis.port, "-C", 1, "--idle", "0.2", "quiet")
    assert (result.returncode, result.stdout) == (1, b"")
