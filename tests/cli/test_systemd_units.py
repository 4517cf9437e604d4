"""The example systemd units (systemd/, shipped in the statesync package):
their ExecStart command lines, taken from the unit files and expanded as
systemd would (specifiers, environment), run directly against a real
redis-server, since no systemd runs here. The fleet-wide timer job runs
once for several hosts, the mirror keeps a file equal to the retained state
and replaces it atomically, and the singleton fails over to the next host
within the TTL when the holder's host dies.

STATESYNC_UNITS_DIR: the units to test (default: the tree's systemd/; the
package test gives the installed examples). /usr/bin/ in ExecStart is
replaced by the tools' folder (conftest's STATESYNC_TOOLS_DIR)."""

import os
import re
import select
import shlex
import signal
import subprocess
import time

from conftest import TOOLS, clean_env, run
from test_lock import blocked_waiters, dead, stop, wait_until

SOURCE = os.environ.get("STATESYNC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
UNITS = os.environ.get("STATESYNC_UNITS_DIR", os.path.join(SOURCE, "systemd"))


def unit_settings(name):
    """The unit file's settings as {(section, key): [values]}."""
    settings = {}
    section = None
    with open(os.path.join(UNITS, name)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, value = line.split("=", 1)
            settings.setdefault((section, key.strip()), []).append(value.strip())
    return settings


def one(settings, section, key):
    values = settings[(section, key)]
    assert len(values) == 1, (section, key, values)
    return values[0]


def exec_start(name, instance, environment_files):
    """The argv systemd would run for ExecStart of `name` instantiated as
    `instance`. environment_files maps each EnvironmentFile= (after its
    specifiers) to the variables the test writes into it; the test checks
    that the unit reads exactly those files. Returns (argv, environment)."""
    settings = unit_settings(name)
    specifiers = {"%i": instance, "%I": instance, "%%": "%"}

    def specify(text):
        return re.sub(r"%.", lambda m: specifiers[m.group(0)], text)

    files = [specify(f) for f in settings.get(("Service", "EnvironmentFile"), [])]
    assert sorted(files) == sorted(environment_files), files
    environment = {}
    for variables in environment_files.values():
        environment.update(variables)
    for assignment in settings.get(("Service", "Environment"), []):
        for word in shlex.split(specify(assignment)):
            key, value = word.split("=", 1)
            environment[key] = value

    def expand(word):
        # "$VAR" alone is split at whitespace into words; "${VAR}" is one
        # word; "$$" is a "$".
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            return environment.get(whole.group(1), "").split()
        parts = re.split(r"(\$\$)", word)
        return ["".join(part if part == "$$" else re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                                                         lambda m: environment.get(m.group(1), ""), part)
                        for part in parts).replace("$$", "$")]

    words = shlex.split(specify(one(settings, "Service", "ExecStart")))
    argv = [expanded for word in words for expanded in expand(word)]
    assert argv[0].startswith("/usr/bin/statesync-"), argv[0]
    argv[0] = os.path.join(TOOLS, os.path.basename(argv[0]))
    return argv, environment


def option_value(argv, option):
    return argv[argv.index(option) + 1]


def start_unit(argv, environment, **kwargs):
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen(argv, env=clean_env(environment), **kwargs)


def test_every_unit_runs_a_shipped_tool_and_documents_what_to_edit():
    units = sorted(os.listdir(UNITS))
    assert units == ["statesync-lock@.service", "statesync-lock@.timer", "statesync-mirror@.service",
                     "statesync-rollout@.service", "statesync-singleton@.service"]
    for unit in units:
        with open(os.path.join(UNITS, unit)) as f:
            text = f.read()
        assert "What to edit" in text or "what to edit" in text, unit
        if unit.endswith(".service"):
            files = unit_settings(unit)[("Service", "EnvironmentFile")]
            argv, _ = exec_start(unit, "x", {path.replace("%i", "x"): {} for path in files})
            assert os.access(argv[0], os.X_OK), argv[0]


# --- statesync-lock@.service and .timer: a job on one host of the fleet -----

def lock_job(tmp_path, redis, host):
    """statesync-lock@report.service's command line as `host` runs it: its
    job appends the host's name to a file."""
    job = tmp_path / "job"
    job.write_text('#!/bin/sh\necho "$1 $STATESYNC_LOCK_NAME" >> "$2"\n')
    job.chmod(0o755)
    return exec_start("statesync-lock@.service", "report", {
        "/etc/statesync/lock-report.env": {"STATESYNC_URL": redis.url,
                                           "JOB_COMMAND": f"{job} {host} {tmp_path / 'ran'}"}})


def test_timer_job_runs_on_the_first_host_only_and_the_others_succeed(redis, tmp_path):
    for host in ("host-a", "host-b", "host-c"):
        argv, environment = lock_job(tmp_path, redis, host)
        result = subprocess.run(argv, env=clean_env(environment), capture_output=True, timeout=60)
        assert result.returncode == 0, (host, result.stderr)
    # host-a ran it; --hold kept the lock for the hosts whose timers fired later.
    assert (tmp_path / "ran").read_text() == "host-a report\n"


def test_the_hold_covers_the_timers_random_delay():
    argv, _ = exec_start("statesync-lock@.service", "x", {"/etc/statesync/lock-x.env": {}})
    timer = unit_settings("statesync-lock@.timer")
    delay = one(timer, "Timer", "RandomizedDelaySec")
    seconds = int(delay[:-3]) * 60 if delay.endswith("min") else int(delay.rstrip("s"))
    assert float(option_value(argv, "--hold")) > seconds
    assert {"-n", "-E"} <= set(argv) and option_value(argv, "-E") == "0"
    assert one(unit_settings("statesync-lock@.service"), "Service", "Type") == "oneshot"


# --- statesync-mirror@.service: a file kept equal to a retained state -----

def test_mirror_writes_the_retained_state_then_each_new_one_by_rename(redis, tmp_path):
    mirrored = tmp_path / "config"
    assert run("statesync-pub", "-u", redis.url, "-r", "app/config", "version 1").returncode == 0
    argv, environment = exec_start("statesync-mirror@.service", "config", {
        "/etc/statesync/mirror-config.env": {"STATESYNC_URL": redis.url, "MIRROR_CHANNEL": "app/config",
                                             "MIRROR_FILE": str(mirrored)}})
    mirror = start_unit(argv, environment)
    try:
        wait_until(lambda: mirrored.exists() and mirrored.read_bytes() == b"version 1", what="the retained state")
        first = mirrored.stat().st_ino
        assert run("statesync-pub", "-u", redis.url, "-r", "app/config", "version 2\nline 2").returncode == 0
        wait_until(lambda: mirrored.read_bytes() == b"version 2\nline 2", what="the new state")
        # Replaced by a rename (a new inode), never rewritten in place; nothing left beside it.
        assert mirrored.stat().st_ino != first
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("config")) == ["config"]
        assert mirror.poll() is None
    finally:
        stop(mirror)
    assert one(unit_settings("statesync-mirror@.service"), "Service", "Restart") == "on-failure"


# --- statesync-rollout@.service: a file rolled out, validated, reloaded ---

def test_rollout_validates_reloads_and_checks_health(redis, tmp_path):
    settings, log = tmp_path / "settings.json", tmp_path / "log"
    assert run("statesync-pub", "-u", redis.url, "-r", "app/settings", '{"v": 1}').returncode == 0
    argv, environment = exec_start("statesync-rollout@.service", "app", {
        "/etc/statesync/rollout-app.env": {
            "STATESYNC_URL": redis.url, "ROLLOUT_CHANNEL": "app/settings", "ROLLOUT_FILE": str(settings),
            "ROLLOUT_NAME": "app-settings", "ROLLOUT_VALIDATE": "grep -q v $STATESYNC_NEW_FILE",
            "ROLLOUT_RELOAD": f"echo reload >> {log}", "ROLLOUT_HEALTH": f"echo health >> {log}"}})
    rollout = start_unit(argv, environment)
    try:
        wait_until(lambda: log.exists() and log.read_text() == "reload\nhealth\n", what="the first turn")
        assert settings.read_bytes() == b'{"v": 1}'
        # Refused by --validate: the file stays, and the rollout of that state halts.
        assert run("statesync-pub", "-u", redis.url, "-r", "app/settings", "{}").returncode == 0
        line = rollout.stderr.readline()
        assert b"--validate" in line and b"the old file is kept" in line, line
        assert settings.read_bytes() == b'{"v": 1}'
        assert rollout.poll() is None
    finally:
        stop(rollout)
    history = run("statesync-lock", "-u", redis.url, "--history", "app-settings")
    assert b"ok" in history.stdout and b"failed" in history.stdout, history.stdout


# --- statesync-singleton@.service: one host at a time, failover -----------

def singleton(tmp_path, redis, host):
    """statesync-singleton@worker.service as `host` runs it: its program
    says which host it runs on and its pid, then runs until killed."""
    program = tmp_path / "program"
    program.write_text('#!/bin/sh\necho "started $1 $$"\nexec sleep 1000\n')
    program.chmod(0o755)
    argv, environment = exec_start("statesync-singleton@.service", "worker", {
        "/etc/statesync/singleton-worker.env": {"STATESYNC_URL": redis.url, "SINGLETON_COMMAND": f"{program} {host}"}})
    return argv, start_unit(argv, environment)


def started(process, limit):
    """Waits for the program's first line; returns (host, pid)."""
    ready, _, _ = select.select([process.stdout], [], [], limit)
    assert ready, "the program did not start in time"
    line = process.stdout.readline().decode()
    assert line.startswith("started "), (line, process.stderr.read() if process.poll() is not None else b"")
    _, host, pid = line.split()
    return host, int(pid)


def test_singleton_fails_over_within_the_ttl_when_the_holders_host_dies(redis, tmp_path):
    argv, holder = singleton(tmp_path, redis, "host-a")
    contender = None
    try:
        ttl = float(option_value(argv, "--ttl"))
        host, first_pid = started(holder, 30)
        assert host == "host-a"
        _, contender = singleton(tmp_path, redis, "host-b")
        wait_until(lambda: blocked_waiters(redis) == 1, what="host-b to wait for the lock")
        # The holder's host dies: its statesync-lock gets SIGKILL, nothing is released.
        lease_left = int(redis.command("PTTL", "statesync:lock:{worker}")) / 1000
        killed = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        host, pid = started(contender, ttl + 30)
        failover = time.monotonic() - killed
        assert host == "host-b"
        print(f"failover {failover:.2f} s with --ttl {ttl:g} (lease left at the kill: {lease_left:.2f} s)")
        # The lease outlives the last renewal by the TTL at most; 0.5 s more
        # for the waiter's wake-up and the program's start on a busy machine.
        assert 0 < lease_left <= ttl
        assert failover <= lease_left + 0.5, f"failover took {failover:.2f} s, the lease had {lease_left:.2f} s left"
        # Never two at once: host-a's program went with its host.
        assert dead(first_pid) and not dead(pid)
    finally:
        stop(holder)
        if contender:
            stop(contender)
    # Whatever ends it, systemd starts the contender again.
    assert one(unit_settings("statesync-singleton@.service"), "Service", "Restart") == "always"


def test_singleton_program_is_stopped_when_the_lock_is_lost(redis, tmp_path):
    argv, holder = singleton(tmp_path, redis, "host-a")
    try:
        _, pid = started(holder, 30)
        # Taken away (an operator's --release, or the server lost the key):
        # the program stops and statesync-lock exits 75, for systemd to restart.
        assert run("statesync-lock", "-u", redis.url, "--release", "worker").returncode == 0
        assert holder.wait(timeout=60) == 75
        wait_until(lambda: dead(pid), what="the program to end")
    finally:
        stop(holder)
