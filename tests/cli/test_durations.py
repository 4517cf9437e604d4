"""Every duration option of the three tools takes systemd's spelling
(1w, 1h30m, 90s, 500ms; a bare number is seconds) through one parser, and
refuses a non-finite, negative or overlong value with status 64 and one
line, before connecting (issue 22 item 9, issue 25)."""

import pytest

from conftest import run
from redis_fixture import free_port
from test_lock import holding, key, stop

# Each duration option with the rest of a command line that would run.
OPTIONS = [
    ("statesync-lock", "-w", ["job", "--", "true"]),
    ("statesync-lock", "--ttl", ["job", "--", "true"]),
    ("statesync-lock", "--hold", ["job", "--", "true"]),
    ("statesync-lock", "--max-runtime", ["job", "--", "true"]),
    ("statesync-lock", "--jitter", ["job", "--", "true"]),
    ("statesync-lock", "--once-per", ["job", "--", "true"]),
    ("statesync-lock", "--connect-timeout", ["job", "--", "true"]),
    ("statesync-lock", "--timeout", ["job", "--", "true"]),
    ("statesync-pub", "--ttl", ["-r", "ch", "x"]),
    ("statesync-pub", "--interval", ["-l", "ch"]),
    ("statesync-pub", "--give-up", ["-l", "ch"]),
    ("statesync-pub", "--wait-subscribers", ["--require-subscribers", "1", "ch", "x"]),
    ("statesync-sub", "-w", ["ch"]),
    ("statesync-sub", "--idle", ["ch"]),
    ("statesync-sub", "--give-up", ["ch"]),
    ("statesync-sub", "--keepalive", ["ch"]),
    ("statesync-sub", "--debounce", ["--watch", "k"]),
    ("statesync-sub", "--claim-idle", ["--stream", "--group", "g", "st"]),
]

REFUSED = ["1e10", "inf", "nan", "-1", "-1s", "366d", "53w", "1h30", "5 parsecs", "99999999999999999999999"]


@pytest.mark.parametrize("value", REFUSED)
@pytest.mark.parametrize("tool, option, rest", OPTIONS, ids=[f"{t[10:]}{o}" for t, o, _ in OPTIONS])
def test_a_duration_that_is_not_one_is_refused_before_connecting(tool, option, rest, value):
    # Nothing listens on the port: a tool that went on would say 69.
    spelled = [f"{option}={value}"] if option.startswith("--") else [option, value]
    result = run(tool, "-p", free_port(), *spelled, *rest)
    err = result.stderr.decode()
    assert result.returncode == 64, err
    assert err.startswith(f"{tool}: ") and err.count("\n") == 1, err
    assert "duration" in err and f"'{value}'" in err and "365d" in err, err


def test_lock_wait_of_1e10_is_refused_not_taken_as_nonblock(redis):
    # It overflowed and acted as -n: status 1 at once on a held lock.
    holder = holding(redis, "big")
    try:
        result = run("statesync-lock", "-p", redis.port, "-w", "1e10", "big", "--", "true")
    finally:
        stop(holder)
    assert result.returncode == 64, result.stderr


@pytest.mark.parametrize("spelling", ["1h30m", "2h 15min", "1w", "365d", "90s", "500ms", "0.5", "1min 30sec"])
def test_systemd_spellings_are_taken(redis, spelling):
    result = run("statesync-lock", "-p", redis.port, "-w", spelling, "--ttl", spelling, "spelled", "--", "true")
    assert result.returncode == 0, result.stderr
    assert redis.command("EXISTS", key("spelled")) == 0  # released


def test_a_wait_in_milliseconds_ends_the_subscriber(redis):
    result = run("statesync-sub", "-p", redis.port, "-w", "300ms", "quiet")
    assert result.returncode == 0 and result.stderr == b""


def test_pub_ttl_is_a_duration(redis):
    assert run("statesync-pub", "-p", redis.port, "-r", "--ttl", "1h30m", "cfg", "v1").returncode == 0
    assert 5390 < redis.command("TTL", "statesync:state:cfg") <= 5400


def test_stream_max_age_takes_a_duration(redis):
    result = run("statesync-pub", "-p", redis.port, "--stream", "--max-age", "~1h30m", "st", "x")
    assert result.returncode == 0, result.stderr
    bad = run("statesync-pub", "-p", redis.port, "--stream", "--max-age", "=inf", "st", "x")
    assert bad.returncode == 64 and b"--max-age" in bad.stderr and bad.stderr.count(b"\n") == 1
