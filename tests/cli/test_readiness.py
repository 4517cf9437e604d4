"""A script that starts a subscriber and then publishes needs to know when
it listens: statesync-sub -v says "subscribed to N channels", --ready-file
creates a file and --ready-fd closes a descriptor once every subscription
is confirmed; statesync-pub --wait-subscribers waits for N subscribers."""

import os
import subprocess

import pytest

from conftest import clean_env, run, spawn, tool_path
from test_sub import finish


def test_verbose_says_subscribed(redis):
    sub = spawn("statesync-sub", "-p", redis.port, "-v", "-C", 1, "a", "b")
    line = sub.stderr.readline()
    while line.startswith(b"statesync-sub: connecting to"):
        line = sub.stderr.readline()
    assert line == b"statesync-sub: subscribed to 2 channels\n"
    # Once it says so, a message published then is received.
    assert redis.command("PUBLISH", "b", "now") == 1
    assert finish(sub)[:2] == (0, b"b now\n")


def test_ready_fd_is_closed_once_subscribed(redis):
    read_end, write_end = os.pipe()
    sub = subprocess.Popen([tool_path("statesync-sub"), "-p", str(redis.port), "-R", "-P", "-C", "1",
                            "--ready-fd", str(write_end), "jobs.*"], pass_fds=[write_end], env=clean_env(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(write_end)
    try:
        assert os.read(read_end, 1) == b""  # the end of the pipe: subscribed
    finally:
        os.close(read_end)
    assert redis.command("PUBLISH", "jobs.1", "go") == 1
    assert finish(sub)[:2] == (0, b"go\n")


def test_ready_file_is_created_once_subscribed(redis, tmp_path):
    ready = tmp_path / "ready"
    script = f"""
        statesync-sub -p {redis.port} -C 1 --ready-file {ready} jobs > {tmp_path}/got &
        until [ -e {ready} ]; do sleep 0.01; done
        statesync-pub -p {redis.port} --require-subscribers 1 jobs start && wait
        """
    env = clean_env({"PATH": os.path.dirname(tool_path("statesync-sub")) + ":" + os.environ["PATH"]})
    result = subprocess.run(["sh", "-c", script], env=env, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "got").read_bytes() == b"start\n"


@pytest.mark.parametrize("args, message", [
    (["--ready-fd", "2"], b"--ready-fd must be a whole number from 3 to"),
    (["--ready-fd", "99"], b"--ready-fd 99: no such open descriptor"),
])
def test_bad_ready_fd_is_refused(redis, args, message):
    result = run("statesync-sub", "-p", redis.port, *args, "ch")
    assert result.returncode == 64 and message in result.stderr, result.stderr


def test_unwritable_ready_file_exits_74(redis, tmp_path):
    result = run("statesync-sub", "-p", redis.port, "--ready-file", tmp_path / "no" / "such", "ch")
    assert result.returncode == 74 and b"cannot create --ready-file" in result.stderr


def test_wait_subscribers_waits_for_a_late_subscriber(redis):
    pub = spawn("statesync-pub", "-p", redis.port, "-v", "--require-subscribers", 1, "--wait-subscribers", 60,
                "jobs", "start")
    # The publisher asks PUBSUB NUMSUB until the subscriber comes.
    for _ in range(2000):
        clients = redis.command("CLIENT", "LIST").decode()
        if "statesync-pub" in clients and "cmd=pubsub" in clients:
            break
    else:
        raise AssertionError("the publisher never asked for the subscribers")
    sub = spawn("statesync-sub", "-p", redis.port, "-C", 1, "jobs")
    rc, _, err = finish(pub)
    assert rc == 0, err
    assert b"1 of 1 subscriber on 'jobs'\n" in err and b"1 receiver" in err, err
    assert finish(sub)[:2] == (0, b"start\n")


def test_wait_subscribers_gives_up_and_publishes_anyway(redis):
    result = run("statesync-pub", "-p", redis.port, "-v", "--require-subscribers", 2, "--wait-subscribers", 0.2,
                 "jobs", "start")
    assert result.returncode == 1
    assert b"0 of 2 subscribers on 'jobs'; publishing anyway\n" in result.stderr, result.stderr


@pytest.mark.parametrize("args, message", [
    (["--wait-subscribers", "1", "ch", "x"], b"--wait-subscribers needs --require-subscribers"),
    (["--require-subscribers", "1", "--wait-subscribers", "1", "-l", "--channel-field", " "],
     b"--wait-subscribers needs one CHANNEL"),
])
def test_wait_subscribers_usage(redis, args, message):
    result = run("statesync-pub", "-p", redis.port, *args, input=b"")
    assert result.returncode == 64 and message in result.stderr, result.stderr
