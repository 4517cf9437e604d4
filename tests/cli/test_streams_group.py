"""statesync-sub --stream --group: work shared by consumers, acknowledged
after output, pending entries re-read and claimed, poison entries moved
to a dead-letter stream. Real servers, real SIGKILLs."""

import os
import signal
import subprocess

from conftest import run, spawn
from streams_helpers import stop, wait_until


def group_sub(redis, *args, **kwargs):
    return spawn("statesync-sub", "-p", redis.port, "--stream", "work", "--group", "g", *args, **kwargs)


def group_state(redis):
    """(pending, lag) of group g: both 0 once every entry was handled."""
    info = redis.command("XINFO", "GROUPS", "work")[0]
    fields = dict(zip(info[0::2], info[1::2]))
    return fields[b"pending"], fields[b"lag"]


def add_entries(redis, numbers):
    lines = b"".join(b"entry-%06d %s\n" % (i, b"x" * 80) for i in numbers)
    done = run("statesync-pub", "-p", redis.port, "--stream", "-l", "work", input=lines)
    assert done.returncode == 0, done.stderr


def numbers_in(data):
    return [int(line.split()[0][6:]) for line in data.splitlines()]


def test_four_consumers_two_killed_every_entry_handled(redis, tmp_path):
    redis.command("XGROUP", "CREATE", "work", "g", "$", "MKSTREAM")
    # The doomed consumers' output is a pipe nobody reads: they block
    # writing, holding entries read but not acknowledged.
    doomed = [group_sub(redis, "--consumer", f"doomed{i}", stdout=subprocess.PIPE) for i in range(2)]
    outputs = [tmp_path / f"out{i}" for i in range(2)]
    live = []
    try:
        wait_until(lambda: len(consumers(redis)) == 2, "the doomed consumers to join")
        added = 0
        while added < 5000 and not all(writing_blocked(process) for process in doomed):
            add_entries(redis, range(added, added + 1000))
            added += 1000
            wait_until(lambda: group_state(redis)[1] == 0 or all(writing_blocked(process) for process in doomed),
                       "the entries to be read")
        wait_until(lambda: all(writing_blocked(process) for process in doomed), "the doomed consumers to block")
        assert all(c[b"pending"] > 0 for c in consumers(redis))
        live = [group_sub(redis, "--consumer", f"live{i}", "--claim-idle", "0.5", stdout=open(outputs[i], "wb"))
                for i in range(2)]
        for process in doomed:
            process.send_signal(signal.SIGKILL)
            process.wait()
        add_entries(redis, range(added, 10000))
        wait_until(lambda: group_state(redis) == (0, 0), "every entry handled", limit=120)
    finally:
        for process in live + doomed:
            stop(process)
    handled_live = numbers_in(outputs[0].read_bytes()) + numbers_in(outputs[1].read_bytes())
    # What the doomed wrote into their pipes before blocking was written
    # out, and acknowledged; the rest of their burst was claimed.
    handled_doomed = [numbers_in(process.stdout.read()) for process in doomed]
    assert len(handled_live) == len(set(handled_live)), "no entry handled by two live consumers"
    assert set(handled_live) | set(handled_doomed[0]) | set(handled_doomed[1]) == set(range(10000))
    assert all(c[b"pending"] == 0 for c in consumers(redis))


def writing_blocked(process):
    with open(f"/proc/{process.pid}/wchan") as f:
        return f.read().endswith("pipe_write")


def consumers(redis):
    return [dict(zip(c[0::2], c[1::2])) for c in redis.command("XINFO", "CONSUMERS", "work", "g")]


def test_ack_only_after_success_and_own_pending_read_again_on_start(redis, tmp_path):
    add_entries(redis, range(3))
    failing = run("statesync-sub", "-p", redis.port, "--stream", "work", "--group", "g", "--group-start", "0",
                  "--consumer", "c", "-e", "--exec", "--", "false")
    assert failing.returncode == 0
    assert failing.stderr.count(b"it stays pending") == 3
    assert group_state(redis)[0] == 3
    again = run("statesync-sub", "-p", redis.port, "--stream", "work", "--group", "g", "--consumer", "c", "-e")
    assert again.returncode == 0, again.stderr
    assert numbers_in(again.stdout) == [0, 1, 2]
    assert group_state(redis) == (0, 0)


def test_poison_entry_ends_in_the_dead_letter_stream(redis, tmp_path):
    add_entries(redis, range(4))
    poison = redis.command("XADD", "work", "*", "payload", "poison")
    add_entries(redis, range(4, 8))
    handled = tmp_path / "handled"
    process = group_sub(redis, "--group-start", "0", "--consumer", "c", "--claim-idle", "0.05",
                        "--max-deliveries", "3", "--dead-letter", "dead", "--exec", "--", "sh", "-c",
                        f'read p; [ "$p" != poison ] && echo "$p" >> {handled}')
    try:
        wait_until(lambda: redis.command("XLEN", "dead") == 1, "the poison entry to move")
        wait_until(lambda: group_state(redis) == (0, 0), "every entry handled")
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert numbers_in(handled.read_bytes()) == list(range(8))
    dead = redis.command("XRANGE", "dead", "-", "+")[0][1]
    fields = dict(zip(dead[0::2], dead[1::2]))
    assert fields == {b"payload": b"poison", b"statesync_stream": b"work", b"statesync_id": poison,
                      b"statesync_deliveries": b"3"}
    assert err.count(b"delivered 3 times: moved to 'dead'") == 1
    assert err.count(b"it stays pending") == 3


def test_group_errors_before_anything_is_consumed(redis):
    redis.command("SET", "work", "x")
    done = run("statesync-sub", "-p", redis.port, "--stream", "work", "--group", "g", "-e")
    assert done.returncode == 69 and b"cannot create group 'g'" in done.stderr and b"WRONGTYPE" in done.stderr
    for args in (["--consumer", "c"], ["--group", "g", "--resume", "f"], ["--group", "g", "--max-deliveries", "2"]):
        refused = run("statesync-sub", "-p", redis.port, "--stream", "other", *args)
        assert refused.returncode == 64 and refused.stderr.startswith(b"statesync-sub: ")
    assert redis.command("EXISTS", "other") == 0
