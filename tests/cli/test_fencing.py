"""Fencing a shell script can enforce: statesync-pub --fenced / --fence
NAME:TOKEN writes only while no newer holder has taken the lock (checked
and written in one script on the server), and statesync-lock
--fence-check NAME TOKEN. Kleppmann's paused holder, end to end."""

import os
import re
import signal
import subprocess

from cluster_fixture import Cluster
from conftest import run, spawn, tool_path
from test_lock import stop, wait_until

FENCED = 79


def pub(redis, *args, env=None):
    return run("statesync-pub", "-p", redis.port, *args, env=env)


def lock(redis, *args):
    return run("statesync-lock", "-p", redis.port, *args)


def state(redis, channel):
    return redis.command("HGET", f"statesync:state:{channel}", "payload")


def test_a_paused_holder_cannot_overwrite_its_successors_result(redis):
    """The holder is stopped (SIGSTOP: a GC pause, a frozen VM) past its
    lease; a successor takes the lock and writes; the old holder resumes
    and writes: refused, with both tokens named, and the successor's
    result stays."""
    pub_path = tool_path("statesync-pub")
    script = (f"echo ready $$; read line; exec {pub_path} -p {redis.port} --fenced -r result 'from the first'")
    first = spawn("statesync-lock", "-p", redis.port, "--ttl", "1", "--on-lost", "ignore", "job", "-c", script,
                  stdin=subprocess.PIPE)
    try:
        line = first.stdout.readline().split()
        assert line[0] == b"ready", line
        command = int(line[1])
        for pid in (first.pid, command):
            os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: redis.command("EXISTS", "statesync:lock:{job}") == 0, what="the paused holder's lease to end")
        second = lock(redis, "job", "-c", f"exec {pub_path} -p {redis.port} --fenced -r result 'from the second'")
        assert second.returncode == 0, second.stderr
        assert state(redis, "result") == b"from the second"
        for pid in (command, first.pid):
            os.kill(pid, signal.SIGCONT)
        first.stdin.write(b"go\n")
        first.stdin.close()
        assert first.wait(timeout=30) == 75  # the lock was lost under it
        errors = first.stderr.read().decode()
    finally:
        stop(first)
    assert re.search(r"^statesync-pub: cannot publish to 'result' at \S+: FENCED lock 'job' has fencing token 2 now, "
                     r"newer than this writer's 1; the message was not published$", errors, re.M), errors
    assert state(redis, "result") == b"from the second"


def test_fence_name_token_guards_publish_clear_and_stream_entries(redis):
    for _ in range(2):
        assert lock(redis, "job", "--", "true").returncode == 0  # fencing token 2 now
    old, new = "--fence=job:1", "--fence=job:2"
    refused = pub(redis, old, "news", "stale")
    assert refused.returncode == FENCED
    assert refused.stderr.count(b"\n") == 1 and b"has fencing token 2 now, newer than this writer's 1" in refused.stderr
    assert pub(redis, new, "news", "fresh").returncode == 0
    assert pub(redis, new, "-r", "cfg", "v2").returncode == 0
    assert pub(redis, old, "-r", "cfg", "v1").returncode == FENCED
    assert pub(redis, old, "--clear", "cfg").returncode == FENCED
    assert state(redis, "cfg") == b"v2"
    assert pub(redis, new, "--clear", "cfg").returncode == 0
    assert state(redis, "cfg") is None
    assert pub(redis, old, "--stream", "events", "stale").returncode == FENCED
    assert redis.command("XLEN", "events") == 0
    assert pub(redis, new, "--stream", "events", "fresh").returncode == 0
    assert redis.command("XLEN", "events") == 1
    # Lines: each checked as it is written.
    lines = run("statesync-pub", "-p", redis.port, new, "-l", "feed", input=b"a\nb\n")
    assert lines.returncode == 0, lines.stderr


def test_fence_check_for_writes_elsewhere(redis):
    for _ in range(2):
        assert lock(redis, "job", "--", "true").returncode == 0
    assert lock(redis, "--fence-check", "job", "2").returncode == 0
    stale = lock(redis, "--fence-check", "job", "1")
    assert (stale.returncode, stale.stdout) == (FENCED, b"")
    assert stale.stderr == (b"statesync-lock: lock 'job' has fencing token 2 now, newer than 1: a newer holder has "
                            b"taken it\n")
    assert lock(redis, "--fence-check", "never-taken", "1").returncode == 0
    # Inside the lock, with the token it was given.
    check = f'{tool_path("statesync-lock")} -p {redis.port} --fence-check "$STATESYNC_LOCK_NAME" "$STATESYNC_LOCK_TOKEN"'
    inside = lock(redis, "job", "-c", check)
    assert inside.returncode == 0, inside.stderr


def test_fence_usage_errors(redis):
    for args, message in [
        (["--fenced", "ch", "m"], b"--fenced needs STATESYNC_LOCK_NAME and STATESYNC_LOCK_TOKEN"),
        (["--fence", "job", "ch", "m"], b"--fence must be NAME:TOKEN"),
        (["--fence", "job:x", "ch", "m"], b"--fence must be NAME:TOKEN"),
        (["--fence", "job:1", "--fenced", "ch", "m"], b"either --fenced or --fence"),
    ]:
        result = pub(redis, *args)
        assert result.returncode == 64 and message in result.stderr, (args, result.stderr)
    bad = pub(redis, "--fenced", "ch", "m", env={"STATESYNC_LOCK_NAME": "job", "STATESYNC_LOCK_TOKEN": "seven"})
    assert bad.returncode == 64 and b"STATESYNC_LOCK_TOKEN must be a fencing token" in bad.stderr
    for args in [["--fence-check", "job"], ["--fence-check", "job", "x"]]:
        result = lock(redis, *args)
        assert result.returncode == 64 and b"--fence-check needs NAME TOKEN" in result.stderr, result.stderr


def test_in_a_cluster_the_written_key_must_share_the_locks_hash_tag(tmp_path):
    """One script touches one slot: a fenced write whose key is in another
    slot than the lock's is refused before anything is written (64); with
    the lock's hash tag it is checked and written as on one server."""
    cluster = Cluster(str(tmp_path), masters=3).start()
    try:
        url = cluster.url()

        def cluster_run(tool, *args):
            return run(tool, "--cluster", "-u", url, *args)

        assert cluster.keyslot("statesync:state:result") != cluster.keyslot("statesync:lock:{job}:fence")
        assert cluster_run("statesync-lock", "job", "--", "true").returncode == 0
        elsewhere = cluster_run("statesync-pub", "--fence", "job:1", "-r", "result", "x")
        assert elsewhere.returncode == 64
        assert b"must be in the lock's slot" in elsewhere.stderr and b"hash tag {job}" in elsewhere.stderr
        assert cluster_run("statesync-pub", "--fence", "job:1", "--stream", "events", "x").returncode == 64
        assert cluster_run("statesync-pub", "--fence", "job:1", "-r", "result{job}", "ok").returncode == 0
        assert cluster_run("statesync-pub", "--fence", "job:1", "--stream", "events{job}", "ok").returncode == 0
        assert cluster_run("statesync-pub", "--fence", "job:1", "news", "plain").returncode == 0  # no key
        assert cluster_run("statesync-lock", "job", "--", "true").returncode == 0
        late = cluster_run("statesync-pub", "--fence", "job:1", "-r", "result{job}", "late")
        assert late.returncode == FENCED, late.stderr
        owner = cluster.owner("statesync:state:result{job}")
        assert owner.command("HGET", "statesync:state:result{job}", "payload") == b"ok"
    finally:
        cluster.cleanup()
