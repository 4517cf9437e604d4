"""statesync-pub's record stream (-l) and stream writer (--stream) fed lines
steadily while an operator runs a manual SENTINEL FAILOVER. The replica is
promoted at once, but the old master is demoted seconds later and until
then acknowledges writes that its resync discards. With --wait-replicas 1
an acknowledgement counts only once a replica has the line: every line
acknowledged (exit 0) is at the new master. (Without it, the lines the old
master took after the promotion are lost: the loss window README and
statesync-pub(1) give, measured the same way.)"""

import subprocess
import time

import pytest

from cluster_fixture import SentinelGroup, text, wait_until
from conftest import run, spawn

LINES = 200
FAILOVER_AFTER = 50
PACE = 0.02  # 50 lines a second: a steady producer, not a burst


@pytest.fixture
def group(tmp_path_factory):
    g = SentinelGroup(str(tmp_path_factory.mktemp("sentinel"))).start()
    yield g
    g.cleanup()


def feed_through_failover(group, *args):
    """Runs statesync-pub with `args`, one line at a time, a manual failover
    after FAILOVER_AFTER lines; returns the new master once the tool has
    acknowledged every line and exited 0."""
    old = group.current_master()
    pub = spawn("statesync-pub", *group.sentinel_args(), "--wait-replicas", 1, "--give-up", 60, *args,
                stdin=subprocess.PIPE)
    try:
        for n in range(1, LINES + 1):
            pub.stdin.write(b"%d\n" % n)
            pub.stdin.flush()
            if n == FAILOVER_AFTER:
                group.sentinels[0].command("SENTINEL", "FAILOVER", group.name)
            time.sleep(PACE)
        pub.stdin.close()
        assert pub.wait(timeout=90) == 0, pub.stderr.read()
    finally:
        pub.kill()
        pub.wait()
    new = wait_until(lambda: group.master_port() != old.port and group.current_master(), "the new master")
    assert text(new.command("ROLE")[0]) == "master"
    return new


def test_every_acknowledged_stream_entry_is_at_the_new_master(group):
    new = feed_through_failover(group, "--stream", "--maxlen", 100000, "--max-age", 3600, "-l", "st")
    payloads = {int(fields[1]) for _, fields in new.command("XRANGE", "st", "-", "+")}
    assert payloads == set(range(1, LINES + 1))


def test_every_acknowledged_retained_line_is_at_the_new_master(group):
    new = feed_through_failover(group, "-l", "-r", "cfg")
    # Each line the new master took raised the state's version by one (a
    # line sent again after the failover may have raised it twice).
    version = int(new.command("HGET", "statesync:state:cfg", "version"))
    assert version >= LINES
    assert new.command("HGET", "statesync:state:cfg", "payload") == b"%d" % LINES


@pytest.mark.parametrize("stream", [[], ["--stream"]])
def test_replicas_that_never_have_the_lines_end_the_stream_at_the_give_up_time(servers, stream):
    server = servers()
    result = run("statesync-pub", "-p", server.port, "-l", *stream, "--wait-replicas", 1, "--give-up", 1, "ch",
                 input=b"a\nb\n")
    assert result.returncode == 69
    assert result.stderr.startswith(b"statesync-pub: 0 of 1 replicas had the writes at 127.0.0.1:%d for 1.0s"
                                    % server.port), result.stderr


def test_wait_replicas_is_for_record_streams(servers):
    result = run("statesync-pub", "-p", servers().port, "--wait-replicas", 1, "ch", "x")
    assert result.returncode == 64
    assert result.stderr == b"statesync-pub: --wait-replicas is for record streams: -l, -0 or -d\n"
