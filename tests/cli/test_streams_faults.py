"""statesync-sub --stream when its server is gone: -w still ends the run
by its deadline, with the documented status, while the tail is
reconnecting (it does not wait for the server to come back)."""

import subprocess

from streams_helpers import stop, tail


def test_wait_ends_while_reconnecting_to_a_killed_server(redis):
    # -C 1 unmet when -w ends it: status 1, the documented "not this time".
    process = tail(redis, "ev", "-w", "5", "-C", "1")
    try:
        redis.stop()
        # Bounded only so that a hang fails the test instead of the run.
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        stop(process)
        raise
    assert process.returncode == 1, err
    assert b"lost" in err
