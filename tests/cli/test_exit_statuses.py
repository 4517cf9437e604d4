"""Each tool's exit table (its --help and its man page's EXIT STATUS, both
written from tools/common/exit_status.cpp) is complete: every status listed
is driven here against real servers, or a raw peer where a server cannot be
made to misbehave, and the table lists no status that no scenario returns.
The statuses of hostile_inputs.tsv are in their tool's table too."""

import os
import re
import signal
import subprocess

import pytest

from conftest import clean_env, run, spawn, tool_path
from redis_fixture import free_port
from resp import RawSubscriber
from test_faults import Peer
from test_hostile_inputs import CASES

SOURCE = os.environ.get("STATESYNC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = ["statesync-pub", "statesync-sub", "statesync-lock"]

# Listed, and rightly, but no input may cause it: 70 is a bug.
NOT_DRIVABLE = {"70"}


def help_statuses(tool):
    result = run(tool, "--help")
    assert result.returncode == 0
    table = result.stdout.decode().split("\nExit status:\n", 1)[1]
    return [line[2:12].strip() for line in table.splitlines() if line]  # "  {status:<10} {meaning}"


def man_statuses(tool):
    with open(os.path.join(SOURCE, "man", f"{tool}.1")) as f:
        page = f.read()
    body = re.search(r"^\.SH EXIT STATUS\n(.*?)(?=^\.SH )", page, re.S | re.M).group(1)
    return re.findall(r"^(\S[^\t\n]*)\tT\{$", body, re.M)


def answer_http_error(conn):
    """What a tool pointed at a web server's port meets."""
    conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")


class World:
    """The servers the scenarios run against, started once for the module."""

    def __init__(self, servers_factory, tmp):
        self.redis = servers_factory()
        self.locked = servers_factory(password="s3cret")
        self.garbage = Peer(answer_http_error)
        self.tmp = tmp

    def close(self):
        self.garbage.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from redis_fixture import RedisServer
    started = []

    def make(**kwargs):
        server = RedisServer(str(tmp_path_factory.mktemp("exit")), **kwargs)
        started.append(server)
        return server.start()

    w = World(make, tmp_path_factory.mktemp("files"))
    yield w
    w.close()
    for server in started:
        server.cleanup()


def at(w, tool, *args, **kwargs):
    return run(tool, "-p", w.redis.port, *args, **kwargs)


def to_dev_full(w, tool, *args):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([tool_path(tool), "-p", str(w.redis.port), *args], stdout=full,
                                stderr=subprocess.PIPE, env=clean_env(), timeout=60)
    return result


def unreachable(tool, *args):
    return run(tool, "-p", free_port(), *args)


def garbage(w, tool, *args):
    result = run(tool, "-p", w.garbage.port, *args)
    # A 76 names the address it came from, as every other error does.
    assert f"127.0.0.1:{w.garbage.port}".encode() in result.stderr, result.stderr
    return result


def wrong_password(w, tool, *args):
    return run(tool, "-p", w.locked.port, "-a", "wrong", *args)


def terminated_after(process, ready):
    """SIGTERM once `ready()` has returned (a readiness signal, not a sleep)."""
    try:
        ready()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
        return subprocess.CompletedProcess(process.args, process.returncode, b"", err)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def pub_signalled(w):
    process = spawn("statesync-pub", "-p", w.redis.port, "--repeat", "0", "--interval", "0.05", "sig", "x",
                    stdout=subprocess.DEVNULL)
    subscriber = RawSubscriber.start(w.redis, "sig")
    try:
        # Readiness: a message published by the running tool has arrived.
        return terminated_after(process, subscriber.message)
    finally:
        subscriber.close()


def sub_signalled(w):
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen([tool_path("statesync-sub"), "-p", str(w.redis.port), "--ready-fd", str(write_end),
                                    "sig"], pass_fds=[write_end], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   env=clean_env())
        os.close(write_end)
        return terminated_after(process, lambda: os.read(read_end, 1))
    finally:
        os.close(read_end)


def lock_holder(w, name):
    """statesync-lock holding `name`, its command running until its stdin closes."""
    holder = spawn("statesync-lock", "-p", w.redis.port, name, "--", "sh", "-c", "echo held; exec cat",
                   stdin=subprocess.PIPE)
    assert holder.stdout.readline() == b"held\n"
    return holder


def lock_not_acquired(w):
    holder = lock_holder(w, "busy")
    try:
        return at(w, "statesync-lock", "-n", "busy", "--", "true")
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0


def lock_lost(w):
    holder = lock_holder(w, "lost")
    try:
        w.redis.command("DEL", "statesync:lock:{lost}")
        _, err = holder.communicate(timeout=30)
        return subprocess.CompletedProcess(holder.args, holder.returncode, b"", err)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def fenced_past(w, name, token):
    """The lock `name`'s fencing counter past `token`: a newer holder has taken it."""
    w.redis.command("SET", f"statesync:lock:{{{name}}}:fence", str(token + 1))
    return f"{name}:{token}"


def resume_file(w, text):
    path = w.tmp / "corrupt.resume"
    path.write_text(text)
    return str(path)


def retained(w, channel):
    assert at(w, "statesync-pub", "-r", channel, "kept").returncode == 0
    return channel


# Per tool and status: scenarios that return it (each a function of the world).
SCENARIOS = {
    "statesync-pub": {
        "0": [lambda w: at(w, "statesync-pub", "ch", "m")],
        "1": [lambda w: at(w, "statesync-pub", "--require-subscribers", "1", "nobody", "m")],
        "64": [lambda w: at(w, "statesync-pub", "--no-such-option", "ch", "m")],
        "65": [lambda w: at(w, "statesync-pub", "--channel-field", ":", "-l", input=b"no separator\n")],
        "66": [lambda w: at(w, "statesync-pub", "-f", str(w.tmp / "missing"), "ch")],
        "69": [lambda w: unreachable("statesync-pub", "ch", "m")],
        "74": [lambda w: to_dev_full(w, "statesync-pub", "--stream", "-v", "s1", "m")],
        "76": [lambda w: garbage(w, "statesync-pub", "ch", "m")],
        "77": [lambda w: wrong_password(w, "statesync-pub", "ch", "m")],
        "79": [lambda w: at(w, "statesync-pub", "--fence", fenced_past(w, "f79", 1), "ch", "m")],
        "128+N": [pub_signalled],
    },
    "statesync-sub": {
        "0": [lambda w: at(w, "statesync-sub", "-R", "-C", "1", retained(w, "kept0"))],
        "1": [lambda w: at(w, "statesync-sub", "-C", "1", "-W", "0.2", "quiet")],
        "64": [lambda w: at(w, "statesync-sub", "--no-such-option", "ch")],
        "65": [lambda w: at(w, "statesync-sub", "--stream", "--resume", resume_file(w, "garbage\n"), "s")],
        "66": [lambda w: at(w, "statesync-sub", "--stream", "--resume", str(w.tmp), "s")],
        "69": [lambda w: unreachable("statesync-sub", "ch")],
        "74": [lambda w: to_dev_full(w, "statesync-sub", "-R", "-C", "1", retained(w, "kept74"))],
        "76": [lambda w: garbage(w, "statesync-sub", "ch")],
        "77": [lambda w: wrong_password(w, "statesync-sub", "ch")],
        "128+N": [sub_signalled],
    },
    "statesync-lock": {
        "0": [lambda w: at(w, "statesync-lock", "free", "--", "true")],
        "1": [lock_not_acquired],
        "2 / 3": [lambda w: at(w, "statesync-lock", "--check", "never-ran", "--max-age", "1d"),
                  lambda w: unreachable("statesync-lock", "--check", "nm", "--max-age", "1d")],
        "64": [lambda w: at(w, "statesync-lock", "--no-such-option", "nm", "--", "true")],
        "69": [lambda w: unreachable("statesync-lock", "nm", "--", "true")],
        "74": [lambda w: to_dev_full(w, "statesync-lock", "--list")],
        "75": [lock_lost],
        "76": [lambda w: garbage(w, "statesync-lock", "nm", "--", "true")],
        "77": [lambda w: wrong_password(w, "statesync-lock", "nm", "--", "true")],
        "79": [lambda w: at(w, "statesync-lock", "--fence-check", *fenced_past(w, "f79", 1).split(":"))],
        "126 / 127": [lambda w: at(w, "statesync-lock", "nm", "--", "/etc/passwd"),
                      lambda w: at(w, "statesync-lock", "nm", "--", "/nonexistent/command")],
        "128+N": [lambda w: at(w, "statesync-lock", "nm", "--", "sh", "-c", "kill -TERM $$")],
        "other": [lambda w: at(w, "statesync-lock", "nm", "--", "sh", "-c", "exit 3")],
    },
}


def matches(listed, status):
    """Whether the exit status `status` is what the table's `listed` row says."""
    if listed == "128+N":
        return status > 128
    if listed == "other":
        return status not in (0, 1, 64, 69, 70, 74, 75, 76, 77, 126, 127) and status <= 128
    return status in {int(part) for part in listed.split(" / ")}


@pytest.mark.parametrize("tool", TOOLS)
def test_the_table_lists_exactly_the_statuses_driven(tool):
    listed = set(help_statuses(tool))
    assert set(man_statuses(tool)) == listed
    assert set(SCENARIOS[tool]) | (NOT_DRIVABLE & listed) == listed


CASES_DRIVEN = [(tool, listed, index) for tool in TOOLS for listed in SCENARIOS[tool]
                for index in range(len(SCENARIOS[tool][listed]))]


@pytest.mark.parametrize("tool,listed,index", CASES_DRIVEN,
                         ids=[f"{tool}-{listed.replace(' / ', '-')}-{index}" for tool, listed, index in CASES_DRIVEN])
def test_each_listed_status_is_returned(world, tool, listed, index):
    result = SCENARIOS[tool][listed][index](world)
    assert matches(listed, result.returncode), f"{tool}: status {result.returncode}, stderr {result.stderr!r}"
    # A monitoring check (2 / 3) says it all on standard output, as such checks do.
    if result.returncode not in (0, 1) and listed not in ("other", "2 / 3"):
        assert result.stderr.startswith(tool.encode() + b": ") or listed == "128+N", result.stderr


def test_the_hostile_table_returns_only_listed_statuses():
    for case in CASES:
        tool = f"statesync-{case['tool']}"
        listed = help_statuses(tool)
        assert any(matches(row, int(case["status"])) for row in listed), f"{case['id']}: {case['status']}"


def test_a_corrupt_resume_file_says_where_once(world):
    path = resume_file(world, "garbage\n")
    result = at(world, "statesync-sub", "--stream", "--resume", path, "s")
    assert result.returncode == 65
    assert result.stderr == f"statesync-sub: resume file {path} line 1 is not 'ID KEY'\n".encode()
    path = resume_file(world, "abc s\n")
    result = at(world, "statesync-sub", "--stream", "--resume", path, "s")
    assert result.returncode == 65
    assert result.stderr == (f"statesync-sub: resume file {path} line 1: 'abc' is not an entry ID "
                             "(MILLISECONDS-SEQUENCE, e.g. 1700000000000-0)\n").encode()
