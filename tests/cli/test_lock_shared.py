"""statesync-lock -s/--shared and -x/--exclusive, as flock(1)'s: shared
holders overlap, an exclusive holder is alone, a queued exclusive waiter
keeps new shared holders out (no starvation), fencing tokens and the run
history for both, and the letter -s that is --shared here. A simulated
fleet: each holder names its host with STATESYNC_HOSTNAME, and writes the
start and the end of its run to one log (O_APPEND lines), which the tests
read for overlaps."""

import json
import socket
import subprocess

from conftest import run, spawn
from test_lock import blocked_waiters, key, lock, read_ready, stop, wait_until

TOOL = "statesync-lock"


class Fleet:
    """Holders of one lock on simulated hosts. Each run logs "start ID" and
    "end ID"; its command waits for its standard input to close, so the
    test decides when each run ends."""

    def __init__(self, redis, tmp_path, name="job"):
        self.redis = redis
        self.name = name
        self.log = tmp_path / "runs.log"
        self.log.touch()
        self.processes = []

    def start(self, run_id, *args):
        command = (f'echo "start {run_id} $STATESYNC_LOCK_TOKEN" >> {self.log}; echo ready; read line; '
                   f'echo "end {run_id}" >> {self.log}')
        process = spawn(TOOL, "-p", self.redis.port, *args, self.name, "-c", command, stdin=subprocess.PIPE,
                        env={"STATESYNC_HOSTNAME": f"host-{run_id}"})
        self.processes.append(process)
        return process

    def holding(self, run_id, *args):
        process = self.start(run_id, *args)
        read_ready(process)
        return process

    @staticmethod
    def end(process):
        """Ends a run: its command reads the end of its input and exits."""
        process.stdin.close()
        assert process.wait(timeout=30) == 0, process.stderr.read()

    def events(self):
        return [line.split()[:2] for line in self.log.read_text().splitlines()]

    def tokens(self):
        return {line.split()[1]: int(line.split()[2]) for line in self.log.read_text().splitlines()
                if line.startswith("start ")}

    def stop_all(self):
        for process in self.processes:
            stop(process)


def overlaps(events, run_id):
    """The runs that started or ended while `run_id` ran."""
    start = events.index(["start", run_id])
    end = events.index(["end", run_id])
    return events[start + 1:end]


def queued(redis, name="job"):
    return redis.command("ZCARD", key(name) + ":queue")


def test_shared_holders_overlap(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        runs = [fleet.holding(f"s{i}", "-s") for i in range(3)]
        status = lock(redis, "--status", "job")
        assert status.returncode == 0
        held = status.stdout.decode().splitlines()
        assert len([line for line in held if "held by" in line and line.endswith("[shared]")]) == 3, held
        report = json.loads(lock(redis, "--status", "job", "--json").stdout)
        assert report["shared"] is True and len(report["holders"]) == 3
        for process in runs:
            fleet.end(process)
        events = fleet.events()
        # Every one started before any ended: they ran together.
        assert [kind for kind, _ in events] == ["start"] * 3 + ["end"] * 3, events
    finally:
        fleet.stop_all()


def test_an_exclusive_holder_waits_for_every_shared_one_and_runs_alone(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        first = fleet.holding("s1", "-s")
        second = fleet.holding("s2", "--shared")
        alone = fleet.start("x", "-x", "-w", "60")
        wait_until(lambda: queued(redis) == 1 and blocked_waiters(redis) == 1, what="the exclusive waiter queued")
        fleet.end(first)
        fleet.end(second)
        read_ready(alone)
        # While it holds, shared ones are refused, and so is another exclusive.
        assert lock(redis, "-s", "-n", "job", "true").returncode == 1
        assert lock(redis, "-n", "job", "true").returncode == 1
        fleet.end(alone)
        events = fleet.events()
        assert overlaps(events, "x") == [], events
        assert events.index(["start", "x"]) > max(events.index(["end", "s1"]), events.index(["end", "s2"]))
        assert queued(redis) == 0
    finally:
        fleet.stop_all()


def test_a_queued_exclusive_waiter_is_not_starved_by_arriving_shared_ones(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        reader = fleet.holding("s0", "-s")
        writer = fleet.start("x", "-w", "60")
        wait_until(lambda: queued(redis) == 1, what="the exclusive waiter queued")
        # A stream of shared arrivals: none joins the holder while the
        # exclusive one waits.
        for _ in range(5):
            refused = lock(redis, "-s", "-n", "job", "true")
            assert refused.returncode == 1, refused.stderr
        late = [fleet.start(f"s{i}", "-s", "-w", "60") for i in range(1, 4)]
        wait_until(lambda: blocked_waiters(redis) == 4, what="four waiters")
        fleet.end(reader)
        read_ready(writer)
        fleet.end(writer)
        for process in late:
            read_ready(process)
        for process in late:
            fleet.end(process)
        events = fleet.events()
        assert overlaps(events, "x") == [], events
        # The late shared ones ran after the exclusive one, together.
        after = events[events.index(["end", "x"]) + 1:]
        assert [kind for kind, _ in after] == ["start"] * 3 + ["end"] * 3, events
    finally:
        fleet.stop_all()


def test_an_exclusive_waiter_that_gives_up_lets_shared_ones_in_again(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        fleet.holding("s0", "-s")
        waiter = fleet.start("x", "-w", "2s")
        wait_until(lambda: queued(redis) == 1, what="the exclusive waiter queued")
        assert lock(redis, "-s", "-n", "job", "true").returncode == 1
        assert waiter.wait(timeout=30) == 1
        assert queued(redis) == 0
        assert lock(redis, "-s", "-n", "job", "true").returncode == 0
    finally:
        fleet.stop_all()


def test_fencing_tokens_increase_and_shared_holders_do_not_fence_each_other(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        first = fleet.holding("s1", "-s")
        second = fleet.holding("s2", "-s")
        tokens = fleet.tokens()
        assert tokens["s2"] > tokens["s1"]
        # The first shared holder may still write: the second shares it.
        assert lock(redis, "--fence-check", "job", tokens["s1"]).returncode == 0
        fleet.end(first)
        fleet.end(second)
        fleet.end(fleet.holding("x"))
        fleet.end(fleet.holding("s3", "-s"))
        tokens = fleet.tokens()
        assert tokens["s1"] < tokens["s2"] < tokens["x"] < tokens["s3"]
        # An exclusive holder since: the shared ones before it are fenced.
        assert lock(redis, "--fence-check", "job", tokens["s2"]).returncode == 79
        status = json.loads(lock(redis, "--status", "job", "--json").stdout)
        assert status["last_fence"] == tokens["s3"]
    finally:
        fleet.stop_all()


def test_history_records_the_mode(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        fleet.end(fleet.holding("s1", "-s"))
        fleet.end(fleet.holding("x", "-x"))
        records = json.loads(lock(redis, "--history", "job", "--json").stdout)
        assert [(r["host"], r["mode"], r["outcome"]) for r in records] == [
            ("host-x", "exclusive", "ok"), ("host-s1", "shared", "ok")]
        text = lock(redis, "--history", "job").stdout.decode().splitlines()
        assert "shared" in text[1] and "shared" not in text[0], text
    finally:
        fleet.stop_all()


def test_a_shared_holder_whose_lock_is_taken_away_loses_it(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        holder = fleet.holding("s1", "-s", "--ttl", "1s")
        assert lock(redis, "--release", "job").returncode == 0
        assert holder.wait(timeout=30) == 75
        assert b"lost" in holder.stderr.read()
    finally:
        fleet.stop_all()


def test_existing_exclusive_holders_keep_shared_ones_out(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        holder = fleet.holding("x")
        assert lock(redis, "-s", "-n", "job", "true").returncode == 1
        fleet.end(holder)
        # Another client's plain SET NX PX key excludes shared holders too.
        redis.command("SET", key("job"), "theirs", "PX", "60000")
        assert lock(redis, "-s", "-n", "job", "true").returncode == 1
    finally:
        fleet.stop_all()


def test_a_semaphore_and_a_shared_lock_do_not_share_a_name(redis, tmp_path):
    fleet = Fleet(redis, tmp_path)
    try:
        fleet.holding("s1", "-s")
        result = lock(redis, "--limit", "2", "-n", "job", "true")
        assert result.returncode == 64
        assert b"in use as a shared lock, not a semaphore of 2" in result.stderr
    finally:
        fleet.stop_all()


def test_combinations_that_make_no_sense_are_refused(redis):
    for args, words in [
        (["-s", "-x", "job", "true"], b"do not go together"),
        (["-s", "--limit", "3", "job", "true"], b"--shared and --limit"),
        (["-s", "--once-per", "1h", "job", "true"], b"--once-per and --shared"),
        (["-s", "--status", "job"], b"-s (--shared) goes with running a command"),
        (["-x", "--history", "job"], b"-x goes with running a command"),
    ]:
        result = lock(redis, *args)
        assert result.returncode == 64, (args, result.stderr)
        lines = result.stderr.decode().splitlines()
        assert len(lines) == 1 and lines[0].startswith("statesync-lock: ") and words.decode() in lines[0], args


def test_dash_s_with_a_socket_path_teaches_the_long_option(redis, tmp_path):
    path = str(tmp_path / "some.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    try:
        result = lock(redis, "-s", path, "job", "true")
        assert result.returncode == 64
        assert b"-s is --shared in statesync-lock" in result.stderr and b"--socket " in result.stderr
    finally:
        listener.close()
    # Or a path that does not exist (yet), ending as sockets do.
    missing = lock(redis, "-s", "/run/redis/redis-server.sock", "job", "true")
    assert missing.returncode == 64 and b"use --socket /run/redis/redis-server.sock" in missing.stderr
    # The long option still reaches the server through its socket.
    held = run(TOOL, "--socket", redis.socket_path, "-s", "job", "--", "sh", "-c", "echo $STATESYNC_LOCK_TOKEN")
    assert held.returncode == 0 and held.stdout.strip().isdigit(), held.stderr
