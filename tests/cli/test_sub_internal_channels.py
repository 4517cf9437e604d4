"""statesync's own channels (statesync:version:*, where a retained publish
announces its version and --clear its "clear") never reach the user through
a pattern, in any mode; a channel named exactly is delivered as asked
(issue 22, item 10)."""

import pytest

from conftest import run
from test_sub import finish, publish_all, subscribe


def publish_retained_then(redis, last):
    """A retained publish and a clear of "cfg" (each also announced on
    statesync:version:cfg), then a plain message on `last`."""
    assert run("statesync-pub", "-p", redis.port, "-r", "cfg", "v1").returncode == 0
    assert run("statesync-pub", "-p", redis.port, "--clear", "cfg").returncode == 0
    publish_all(redis, last, [b"end"])


@pytest.mark.parametrize("args, last, expected", [
    (["-P", "*"], "zz", ["cfg=v1", "cfg=", "zz=end"]),
    (["-R", "-P", "*"], "zz", ["cfg=v1", "cfg=", "zz=end"]),
    (["-P", "statesync:*"], "statesync:mine", ["statesync:mine=end"]),
    (["-R", "-P", "statesync:*"], "statesync:mine", ["statesync:mine=end"]),
])
def test_a_pattern_never_shows_internal_channels(redis, args, last, expected):
    # -C: on the old code the internal messages came first and used it up.
    sub = subscribe(redis, *args, "-C", len(expected), "-F", "%t=%p", kind="NUMPAT")
    publish_retained_then(redis, last)
    rc, out, err = finish(sub)
    assert rc == 0, err
    assert out.decode().splitlines() == expected


def test_an_internal_channel_named_exactly_is_delivered(redis):
    sub = subscribe(redis, "-C", 1, "-F", "%t=%p", "statesync:version:cfg", channel="statesync:version:cfg")
    assert run("statesync-pub", "-p", redis.port, "-r", "cfg", "v1").returncode == 0
    rc, out, err = finish(sub)
    assert rc == 0, err
    assert out.decode().splitlines() == ["statesync:version:cfg=1"]
