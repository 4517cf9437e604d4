"""Hostile and odd input: every row of hostile_inputs.tsv (its header says
what the columns mean) is one case, run against a real redis-server where it
needs one. Each ends in its documented exit status; a failure is one line on
standard error starting with the tool's name, and a success says nothing."""

import os
import re
import shlex
import subprocess
import time

import pytest

from conftest import clean_env, tool_path
from redis_fixture import RedisServer, free_port

TABLE = os.path.join(os.path.dirname(__file__), "hostile_inputs.tsv")
COLUMNS = ["id", "tool", "arguments", "stdin", "stdout", "server", "before", "status", "stderr", "note"]

SERVERS = {
    "plain": {},
    "password": {"password": "s3cret"},
    "acl-limited": {"acl_lines": [
        "limited on >pw ~allowed:* ~statesync:state:ok* ~statesync:lock:{ok}* &allowed:* &ok* +@all",
        "default on nopass ~* &* +@all"]},
    "small-proto-max-bulk-len": {"extra": ["proto-max-bulk-len 1mb"]},
}


def load_rows():
    rows = []
    with open(TABLE, "rb") as f:
        for line in f.read().decode().splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            assert len(fields) == len(COLUMNS), f"{TABLE}: {line!r} has {len(fields)} columns"
            rows.append(dict(zip(COLUMNS, fields)))
    header, cases = rows[0], rows[1:]
    assert list(header.values()) == COLUMNS
    return cases


CASES = load_rows()


def words(text, **values):
    """Shell words, with {placeholders} filled and \\xHH turned into bytes."""
    return [re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]),
                   word.format(**values).encode("utf-8", "surrogateescape"))
            for word in shlex.split(text)]


def standard_input(spec):
    """(stdin argument for Popen, bytes to write, whether fd 0 is closed)"""
    if spec == "-":
        return subprocess.DEVNULL, None, False
    if spec == "closed":
        return None, None, True
    if spec.startswith("text:"):
        data = spec[len("text:"):].encode("latin-1").decode("unicode_escape").encode("latin-1")
        return subprocess.PIPE, data, False
    if spec.startswith("big:"):
        return subprocess.PIPE, b"a" * int(spec[len("big:"):]), False
    raise ValueError(f"unknown stdin {spec!r}")


def run_case(case, port, tmp):
    argv = [tool_path(f"statesync-{case['tool']}").encode(), *words(case["arguments"], port=port, tmp=tmp)]
    stdin, data, close_stdin = standard_input(case["stdin"])
    closed = [fd for fd, flag in ((0, close_stdin), (1, case["stdout"] == "closed")) if flag]
    broken = None
    stdout = subprocess.PIPE
    if case["stdout"] == "broken":
        reader, writer = os.pipe()
        os.close(reader)  # `tool | true` once true has ended
        broken = stdout = writer
    elif case["stdout"] == "closed":
        stdout = subprocess.DEVNULL  # replaced by a closed fd below

    def close_fds():
        for fd in closed:
            os.close(fd)

    try:
        process = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=clean_env(),
                                   preexec_fn=close_fds if closed else None)
        try:
            out, err = process.communicate(data, timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"{case['id']}: hung (killed after 30 s)")
    finally:
        if broken is not None:
            os.close(broken)
    return process.returncode, out or b"", err


@pytest.fixture(scope="module")
def server_of_kind(tmp_path_factory):
    """One server of each kind for the whole table (no row changes what
    another row sees), started when first needed and stopped at the end."""
    started = {}

    def get(kind):
        if kind not in started:
            started[kind] = RedisServer(str(tmp_path_factory.mktemp("hostile")), **SERVERS[kind]).start()
        return started[kind]

    yield get
    for server in started.values():
        server.cleanup()


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_hostile_input(case, server_of_kind, tmp_path):
    port = free_port()  # nothing listens there
    if case["server"] != "none":
        server = server_of_kind(case["server"])
        port = server.port
        if case["before"] != "-":
            server.command(*words(case["before"]))
    status, _, err = run_case(case, port, str(tmp_path))
    tool = f"statesync-{case['tool']}"
    assert status == int(case["status"]), f"{case['id']}: status {status}, stderr {err!r}"
    if case["stderr"] == "-":
        assert err == b"", f"{case['id']}: unexpected stderr {err!r}"
        return
    lines = err.split(b"\n")
    assert len(lines) == 2 and lines[1] == b"", f"{case['id']}: not exactly one line: {err!r}"
    assert lines[0].startswith(tool.encode() + b": "), err
    assert case["stderr"].encode() in lines[0], err
    assert b"topsecret" not in err and b"s3cret" not in err


def test_binary_channel_and_payload_arrive_intact(servers):
    """What the table's binary rows publish arrives byte for byte."""
    server = servers()
    channel = b"\xff\xfe\x01ch"
    payload = b"a\x00b\xc3\x28\r\n\xff"
    sub = subprocess.Popen([tool_path("statesync-sub"), "-p", str(server.port), "-0", "-C", "1", channel],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        for _ in range(500):
            if server.command("PUBSUB", "NUMSUB", channel)[1] == 1:
                break
            time.sleep(0.01)
        pub = subprocess.run([tool_path("statesync-pub"), "-p", str(server.port), "-x", channel], input=payload,
                             capture_output=True, env=clean_env(), timeout=30)
        assert pub.returncode == 0, pub.stderr
        out, err = sub.communicate(timeout=30)
        assert sub.returncode == 0, err
        assert out == payload + b"\x00"
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
