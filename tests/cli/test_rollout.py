"""statesync-sub --rollout: hosts (processes with their own
STATESYNC_HOSTNAME and directory) change their file in turns under a lock:
their --on-change runs never overlap (at most --rollout-parallel at once,
read from a shared log of starts and ends, in the order they were
written); a failing --health halts the rollout where it failed, leaving
the hosts that had not taken their turn on the old file; a later good
state reaches every host; a host killed in its turn holds the others up
no longer than the lock's TTL."""

import os
import signal

import pytest

from conftest import run, spawn
from mirror_helpers import log_lines, read_or_none, retain, wait_content, wait_until
from test_sub import wait_subscribed

TOOL = "statesync-sub"


class Fleet:
    def __init__(self, redis, tmp_path, hosts, *args, on_change=None, health=None):
        self.redis, self.log, self.hosts = redis, tmp_path / "log", {}
        default_change = (f'echo "$STATESYNC_HOSTNAME start" >> {self.log}; sleep 0.02; '
                          f'echo "$STATESYNC_HOSTNAME end" >> {self.log}')
        for i in range(1, hosts + 1):
            name = f"h{i}"
            home = tmp_path / name
            home.mkdir()
            command = ["-p", redis.port, "-R", "--to-file", home / "app.conf", "--rollout", "web",
                       "--rollout-ttl", "1s", "--on-change", on_change or default_change, *args]
            if health:
                command += ["--health", health.format(file=home / "app.conf")]
            stderr = open(home / "stderr", "wb")
            self.hosts[name] = (home, spawn(TOOL, *command, "cfg", env={"STATESYNC_HOSTNAME": name},
                                            stderr=stderr, start_new_session=True))
            stderr.close()
        wait_subscribed(redis, "cfg", count=hosts)

    def file(self, name):
        return read_or_none(self.hosts[name][0] / "app.conf")

    def stderr(self, name):
        return (self.hosts[name][0] / "stderr").read_bytes()

    def wait_all(self, content):
        for name, (home, process) in self.hosts.items():
            if process.poll() is None or process.returncode != -signal.SIGKILL:
                wait_content(home / "app.conf", content, process)

    def most_at_once(self):
        """The most --on-change runs open at once, in the log's order."""
        open_now, most = set(), 0
        for line in log_lines(self.log):
            host, event = line.split()
            if event == "start":
                open_now.add(host)
                most = max(most, len(open_now))
            else:
                open_now.discard(host)
        return most

    def stop(self):
        for _, process in self.hosts.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def fleet(redis, tmp_path):
    made = []

    def make(*args, **kwargs):
        made.append(Fleet(redis, tmp_path, *args, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.stop()


def test_a_failing_health_check_halts_the_rollout_and_a_good_state_reaches_all(redis, fleet):
    retain(redis, "cfg", b"v1")
    hosts = fleet(8, health='! grep -q bad {file} || [ "$STATESYNC_HOSTNAME" != h5 ]')
    hosts.wait_all(b"v1")
    retain(redis, "cfg", b"v2 bad")

    def settled(name):
        return hosts.file(name) == b"v2 bad" or b"halted" in hosts.stderr(name)

    # h5 holds the new file during its turn, until its health check fails.
    wait_until(lambda: b"halted here" in hosts.stderr("h5"), "h5's health check to fail")
    for name in hosts.hosts:
        wait_until(lambda: settled(name), f"{name} to take its turn or see the halt")
    assert hosts.file("h5") == b"v1"
    assert b"rollout 'web' halted here, at version 2: --health exited with status 1" in hosts.stderr("h5")
    old = [name for name in hosts.hosts if hosts.file(name) == b"v1"]
    for name in old:
        assert name == "h5" or b"halted it at version 2" in hosts.stderr(name), hosts.stderr(name)
    # The halt is in Redis, with who and why.
    status = run("statesync-lock", "-p", redis.port, "--status", "web")
    assert b"rollout halted: by h5 at version 2" in status.stdout and b"exited with status 1" in status.stdout, \
        status.stdout
    history = run("statesync-lock", "-p", redis.port, "--history", "web")
    assert history.returncode == 0 and b"h5" in history.stdout and b"failed" in history.stdout, history.stdout
    # A reconnect reads the halted state again: the halted host does not apply it.
    redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    wait_until(lambda: b"is halted for this state (h5 halted it" in hosts.stderr("h5"), "h5 to read v2 again")
    assert hosts.file("h5") == b"v1"
    # A later good state reaches all eight, the halted host too.
    retain(redis, "cfg", b"v3")
    hosts.wait_all(b"v3")
    assert hosts.most_at_once() == 1
    assert redis.command("EXISTS", "statesync:rollout:{web}:halt") == 0


def test_parallel_two_never_more_than_two_at_once(redis, fleet):
    retain(redis, "cfg", b"v1")
    hosts = fleet(8, "--rollout-parallel", 2)
    hosts.wait_all(b"v1")
    retain(redis, "cfg", b"v2")
    hosts.wait_all(b"v2")
    # A file is in place before its --on-change runs: wait for the last end.
    wait_until(lambda: len(log_lines(hosts.log)) == 2 * 2 * 8, "every --on-change to end")
    assert 1 <= hosts.most_at_once() <= 2


def test_a_host_killed_in_its_turn_holds_the_others_up_only_until_the_ttl(redis, fleet, tmp_path):
    released = tmp_path / "released"
    retain(redis, "cfg", b"v1")
    # The first host to take its turn for v2 stays in its --on-change until
    # the test kills it.
    hosts = fleet(3, on_change=(f'echo "$STATESYNC_HOSTNAME start" >> {tmp_path}/log; '
                                f'grep -q v2 "$STATESYNC_FILE" && [ ! -e {released} ] && touch {released} && sleep 60; '
                                f'echo "$STATESYNC_HOSTNAME end" >> {tmp_path}/log'))
    hosts.wait_all(b"v1")
    retain(redis, "cfg", b"v2")
    wait_until(lambda: released.exists(), "a host in its turn")
    starts = [line.split()[0] for line in log_lines(hosts.log) if line.endswith("start")]
    victim = starts[-1]
    os.killpg(hosts.hosts[victim][1].pid, signal.SIGKILL)
    hosts.hosts[victim][1].wait()
    hosts.wait_all(b"v2")
    assert all(hosts.file(name) == b"v2" for name in hosts.hosts)


def test_a_health_check_past_its_timeout_fails_and_rolls_back(redis, fleet):
    retain(redis, "cfg", b"v1")
    hosts = fleet(1, "--health-timeout", "200ms", health="grep -q v1 {file} || sleep 30")
    hosts.wait_all(b"v1")
    retain(redis, "cfg", b"v2")
    wait_until(lambda: b"halted here" in hosts.stderr("h1"), "the halt")
    assert b"--health timed out; the previous file is back" in hosts.stderr("h1")
    assert hosts.file("h1") == b"v1"


@pytest.mark.parametrize("args, message", [
    (["-R", "--rollout", "web", "cfg"], b"--rollout needs --to-file"),
    (["-R", "--to-file", "f", "--health", "true", "cfg"], b"--health needs --rollout"),
    (["-R", "--to-file", "f", "--rollout", "web", "--rollout-parallel", "0", "cfg"], b"--rollout-parallel"),
    (["-R", "--to-file", "f", "--rollout", "web", "--health-timeout", "1s", "cfg"], b"--health-timeout needs --health"),
])
def test_rollout_usage_errors(redis, args, message):
    result = run(TOOL, "-p", redis.port, *args)
    assert result.returncode == 64 and result.stderr.startswith(b"statesync-sub: ") and message in result.stderr, \
        result.stderr
