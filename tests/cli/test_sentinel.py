"""The three tools against a Sentinel group (one master, one replica,
three Sentinels, the data nodes and the Sentinels with their own
passwords): finding the master, the redis+sentinel:// URL, and following a
failover: the subscriber resumes with the retained state, the publisher's
stream finishes, the lock is kept or reported lost."""

import signal
import subprocess

import pytest

from cluster_fixture import SentinelGroup, wait_until
from conftest import run, spawn
from test_faults import check_no_overlap
from test_sub_staying import Lines

DATA_PASSWORD = "data-secret"
SENTINEL_PASSWORD = "sentinel-secret"
AUTH = {"STATESYNC_AUTH": DATA_PASSWORD, "STATESYNC_SENTINEL_AUTH": SENTINEL_PASSWORD}


def start_group(tmp_path_factory):
    return SentinelGroup(str(tmp_path_factory.mktemp("sentinel")), password=DATA_PASSWORD,
                         sentinel_password=SENTINEL_PASSWORD).start()


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    g = start_group(tmp_path_factory)
    yield g
    g.cleanup()


def numsub(server, channel):
    return server.command("PUBSUB", "NUMSUB", channel)[1]


def test_publish_and_subscribe_through_the_sentinels(group):
    sub = spawn("statesync-sub", *group.sentinel_args(), "-C", 1, "news", env=AUTH)
    try:
        wait_until(lambda: numsub(group.current_master(), "news") == 1, "the subscriber")
        result = run("statesync-pub", "-u", group.url(), "news", "hello", env=AUTH)
        assert result.returncode == 0, result.stderr
        out, err = sub.communicate(timeout=20)
        assert (sub.returncode, out) == (0, b"hello\n"), err
    finally:
        sub.kill()
        sub.wait()


def test_sentinel_password_is_separate_from_the_data_nodes(group):
    wrong = run("statesync-pub", *group.sentinel_args(), "--sentinel-pass", "nope", "ch", "x",
                env={"STATESYNC_AUTH": DATA_PASSWORD})
    assert wrong.returncode == 77
    assert wrong.stderr.startswith(b"statesync-pub: ") and b"Sentinel" in wrong.stderr
    assert b"nope" not in wrong.stderr
    no_data_password = run("statesync-pub", *group.sentinel_args(), "ch", "x",
                           env={"STATESYNC_SENTINEL_AUTH": SENTINEL_PASSWORD})
    assert no_data_password.returncode == 77, no_data_password.stderr


def test_unknown_master_is_unavailable(group):
    result = run("statesync-pub", "--sentinel", f"127.0.0.1:{group.sentinels[0].port}", "--master", "other",
                 "--connect-timeout", "0.5", "ch", "x", env=AUTH)
    assert result.returncode == 69
    assert b"knows no master 'other'" in result.stderr


def test_lock_through_the_sentinels(group):
    result = run("statesync-lock", "-u", group.url(), "--wait-replicas", "1", "job", "sh", "-c",
                 'echo "$STATESYNC_LOCK_NAME"', env=AUTH)
    assert (result.returncode, result.stdout) == (0, b"job\n"), result.stderr


@pytest.mark.parametrize("args, why", [
    (["--master", "m"], b"need --sentinel"),
    (["--sentinel", "127.0.0.1:1"], b"--sentinel needs --master NAME"),
    (["--sentinel", "127.0.0.1:0", "--master", "m"], b"invalid --sentinel address"),
    (["--sentinel", "h:1", "--master", "m", "-p", "5"], b"does not go with"),
    (["--sentinel", "h:1", "--master", "m", "--cluster"], b"do not go together"),
    (["-u", "redis+sentinel://h:1"], b"no master name"),
])
def test_bad_sentinel_options_are_usage_errors(args, why):
    result = run("statesync-pub", *args, "ch", "x")
    assert result.returncode == 64
    assert why in result.stderr and result.stderr.count(b"\n") == 1


def test_sentinel_password_is_hidden_from_the_process_list(group):
    sub = spawn("statesync-sub", *group.sentinel_args(), "--sentinel-pass", SENTINEL_PASSWORD, "-W", 30, "ch",
                env={"STATESYNC_AUTH": DATA_PASSWORD})
    try:
        wait_until(lambda: numsub(group.current_master(), "ch") == 1, "the subscriber")
        with open(f"/proc/{sub.pid}/cmdline", "rb") as f:
            assert SENTINEL_PASSWORD.encode() not in f.read()
    finally:
        sub.kill()
        sub.wait()


# The holder's section and a contender's log their start and end with their
# fencing token to one file (the order of lines is the order in time), as
# test_faults does. A section the lock's loss terminates logs its end from
# its trap; one killed outright is logged "gone" once its statesync-lock has
# ended, which can only err towards seeing an overlap.
HOLDER_SECTION = ('trap \'echo "end $STATESYNC_LOCK_TOKEN" >> log; exit 143\' TERM; '
                  'echo "start $STATESYNC_LOCK_TOKEN" >> log; read line; echo "end $STATESYNC_LOCK_TOKEN" >> log')
CONTENDER_SECTION = 'echo "start $STATESYNC_LOCK_TOKEN" >> log; echo "end $STATESYNC_LOCK_TOKEN" >> log'


def follow_failover(group, kill, workdir):
    """A subscriber with retained state, a lock, and a publisher's stream,
    all running while the master changes; a contender for the lock once it
    has changed."""
    master = group.current_master()
    log = workdir / "log"
    assert run("statesync-pub", *group.sentinel_args(), "-r", "cfg", "v1", env=AUTH).returncode == 0
    sub = spawn("statesync-sub", *group.sentinel_args(), "-R", "-C", 3, "cfg", env=AUTH)
    lock = spawn("statesync-lock", *group.sentinel_args(), "-v", "--ttl", 10, "--wait-replicas", "1", "job", "sh",
                 "-c", HOLDER_SECTION, env=AUTH, stdin=subprocess.PIPE, cwd=workdir)
    contender = None
    pub = spawn("statesync-pub", *group.sentinel_args(), "-v", "-l", "-r", "stream", env=AUTH,
                stdin=subprocess.PIPE)
    try:
        sub_out = Lines(sub.stdout)
        sub_out.wait_for(b"v1")
        lock_err = Lines(lock.stderr)
        lock_err.wait_for(b"acquired 'job'")
        wait_until(lambda: log.exists() and log.read_text().startswith("start"), "the holder's section")
        for n in range(1, 51):
            pub.stdin.write(b"%d\n" % n)
        pub.stdin.flush()
        wait_until(lambda: master.command("HGET", "statesync:state:stream", "payload") == b"50", "the stream")
        wait_until(lambda: master.command("WAIT", 1, 1000) >= 1, "the replica to have everything")

        new = group.failover(kill=kill)
        assert new.port != master.port
        # A contender asks the new master for the lock at once: it must wait
        # while the holder's section runs, kept or about to be lost.
        contender = spawn("statesync-lock", *group.sentinel_args(), "-w", 120, "--ttl", 10, "job", "sh", "-c",
                          CONTENDER_SECTION, env=AUTH, cwd=workdir)

        # The subscriber comes back with the state again, then live messages.
        sub_out.wait_for(b"v1")
        wait_until(lambda: numsub(new, "cfg") == 1, "the subscriber on the new master")
        assert run("statesync-pub", *group.sentinel_args(), "-r", "cfg", "v2", env=AUTH).returncode == 0
        sub_out.wait_for(b"v2")
        assert sub.wait(timeout=20) == 0

        # The publisher's stream goes on against the new master.
        for n in range(51, 101):
            pub.stdin.write(b"%d\n" % n)
        pub.stdin.close()
        assert pub.wait(timeout=30) == 0
        state = new.command("HGET", "statesync:state:stream", "payload")
        assert state == b"100"

        # The lock is kept (it was replicated, and renewed on the new master
        # in time) or reported lost; never held by two unknowingly. After a
        # manual failover the old master takes writes until the Sentinels
        # demote it: renewals that went there did not reach the new master.
        outcome = lock_err.wait_for(b"lock 'job' ", timeout=40)
        while b"kept after the failover" not in outcome and b"lost: " not in outcome:
            outcome = lock_err.wait_for(b"lock 'job' ", timeout=40)
        if b"kept after the failover" in outcome:
            lock.stdin.write(b"done\n")
            lock.stdin.close()
            assert lock.wait(timeout=30) == 0
        else:
            # Gone from the new master, or its renewals not replicated in
            # time (a demoted master takes them): given up either way.
            assert outcome.endswith(b"; terminating the command\n")
            assert lock.wait(timeout=30) == 75
            holder_token = log.read_text().split()[1]
            with open(log, "a") as f:
                f.write(f"gone {holder_token}\n")
        # Whatever the outcome, the contender ran its section after the
        # holder's, never during it, with a greater token.
        assert contender.wait(timeout=60) == 0, contender.stderr.read()
        lines = log.read_text().splitlines()
        print(f"holder's statesync-lock said: {outcome!r}")  # shown when the check fails
        tokens = check_no_overlap(lines)
        assert len(tokens) == 2 and tokens[0] < tokens[1], lines
    finally:
        for process in (sub, lock, pub, contender):
            if process:
                process.kill()
                process.wait()


# Found by the fencing-token check: after SENTINEL FAILOVER the old master
# takes writes until a Sentinel next looks at it (up to 10 s). A renewal
# counts only once a replica has it (WAIT in the same round trip), so the
# holder's renewals there do not count, and it gives the lock up before
# its lease ends at the new master, where the contender then takes it.
def test_manual_failover_is_followed(group, tmp_path):
    follow_failover(group, kill=False, workdir=tmp_path)


def test_killed_master_is_followed(tmp_path_factory, tmp_path):
    g = start_group(tmp_path_factory)
    try:
        follow_failover(g, kill=True, workdir=tmp_path)
    finally:
        g.cleanup()


def test_signal_reaches_the_command_while_looking_for_a_master(tmp_path_factory, tmp_path):
    # Both data nodes down: no master to follow, so statesync-lock keeps
    # looking for one (until two thirds of the TTL); a SIGTERM meanwhile
    # reaches the command at once, not after the search.
    g = start_group(tmp_path_factory)
    lock = None
    try:
        lock = spawn("statesync-lock", *g.sentinel_args(), "-v", "--ttl", 60, "job", "sh", "-c",
                     "trap 'echo TERM > got; exit 143' TERM; echo ready; while :; do sleep 0.05; done", env=AUTH,
                     cwd=tmp_path)
        assert lock.stdout.readline() == b"ready\n"
        g.replica.stop()
        g.master.stop()
        Lines(lock.stderr).wait_for(b"looking for the new master")
        lock.send_signal(signal.SIGTERM)
        wait_until(lambda: (tmp_path / "got").exists(), "the command to get SIGTERM")
        assert (tmp_path / "got").read_text() == "TERM\n"
    finally:
        if lock:
            lock.kill()
            lock.wait()
        g.cleanup()


def test_a_waiting_lock_follows_a_failover(tmp_path_factory, tmp_path):
    # A foreign holder (a plain SET NX PX, replicated) keeps the waiter
    # waiting across the failover; it acquires at the new master once that
    # lease has ended.
    g = start_group(tmp_path_factory)
    waiter = None
    try:
        master = g.current_master()
        master.command("SET", "statesync:lock:{w}", "foreign", "PX", 8000)
        assert master.command("WAIT", 1, 5000) == 1
        waiter = spawn("statesync-lock", *g.sentinel_args(), "-v", "-w", 60, "w", "--", "true", env=AUTH)
        err = Lines(waiter.stderr)
        err.wait_for(b"is held")
        new = g.failover(kill=True)
        assert waiter.wait(timeout=60) == 0
        # Acquired there (an acquisition the Sentinels' replica list says must
        # reach a replica may be released and taken again meanwhile: >= 1).
        assert int(new.command("GET", "statesync:lock:{w}:fence")) >= 1
    finally:
        if waiter:
            waiter.kill()
            waiter.wait()
        g.cleanup()
