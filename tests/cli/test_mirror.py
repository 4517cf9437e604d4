"""statesync-sub --to-file / --to-dir: a file that mirrors a retained state
or a key is replaced whole (a reader never sees part of one), only when its
content differs (a reconnect or a restart with the same state leaves the
mtime), with its mode and owner; names map into --to-dir without ever
escaping it; --validate keeps the old file; --on-change runs once the file
is in place."""

import os
import stat
import subprocess
import threading

import pytest

from conftest import run, spawn
from mirror_helpers import log_lines, read_or_none, retain, stop, tree, wait_content, wait_until
from test_sub import wait_subscribed

TOOL = "statesync-sub"
OLD = 946684800  # 2000-01-01: an mtime no write of this run can leave


def mirror(redis, *args, channel="cfg", kind="NUMSUB"):
    sub = spawn(TOOL, "-p", redis.port, *args)
    try:
        wait_subscribed(redis, channel, kind=kind)
    except BaseException:
        stop(sub)
        raise
    return sub


def test_a_reader_never_sees_part_of_a_file(redis, tmp_path):
    target = tmp_path / "app.conf"
    updates = 1000

    def body(i):
        return f"BEGIN {i} {'x' * 16384} END {i}".encode()

    sub = mirror(redis, "-R", "--to-file", target, "cfg")
    torn, reads, done = [], [0], threading.Event()

    def reader():
        while not done.is_set():
            data = read_or_none(target)
            if data is None:
                continue
            reads[0] += 1
            number = data.split(b" ", 2)[1] if data.startswith(b"BEGIN ") else b""
            if not number.isdigit() or data != body(int(number)):
                torn.append(data[:20] + b"..." + data[-20:])

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        # One retained publish per line.
        lines = b"\n".join(body(i) for i in range(updates)) + b"\n"
        result = run("statesync-pub", "-p", redis.port, "-r", "-l", "cfg", input=lines)
        assert result.returncode == 0, result.stderr
        wait_content(target, body(updates - 1), sub)
    finally:
        done.set()
        thread.join()
        stop(sub)
    assert reads[0] > 0 and torn == [], torn[:3]


def test_same_state_after_a_reconnect_or_a_restart_leaves_the_mtime(redis, tmp_path):
    target = tmp_path / "flags.conf"
    retain(redis, "cfg", b"feature=on\n")
    first = run(TOOL, "-p", redis.port, "-R", "-C", 1, "--to-file", target, "cfg")
    assert first.returncode == 0, first.stderr
    assert target.read_bytes() == b"feature=on\n"
    os.utime(target, (OLD, OLD))
    inode = target.stat().st_ino
    # A restart reads the same state again.
    again = run(TOOL, "-p", redis.port, "-R", "-C", 1, "--to-file", target, "cfg")
    assert again.returncode == 0, again.stderr
    # A reconnect delivers it again too: -C 2 counts the state read after it.
    sub = mirror(redis, "-R", "-C", 2, "--to-file", target, "cfg")
    redis.command("CLIENT", "KILL", "TYPE", "pubsub")
    out, err = sub.communicate(timeout=20)
    assert sub.returncode == 0 and b"reconnected" in err, err
    assert target.stat().st_mtime == OLD and target.stat().st_ino == inode
    # A different content is written (so the check above can fail).
    retain(redis, "cfg", b"feature=off\n")
    assert run(TOOL, "-p", redis.port, "-R", "-C", 1, "--to-file", target, "cfg").returncode == 0
    assert target.read_bytes() == b"feature=off\n" and target.stat().st_mtime != OLD


def test_a_watched_key_restarted_on_the_same_value_leaves_the_mtime(redis, tmp_path):
    target = tmp_path / "key.txt"
    redis.command("SET", "settings", "v1")
    watch = [TOOL, "-p", redis.port, "--watch", "-C", 1, "--to-file", target, "settings"]
    assert run(*watch).returncode == 0 and target.read_bytes() == b"v1"
    os.utime(target, (OLD, OLD))
    assert run(*watch).returncode == 0
    assert target.stat().st_mtime == OLD
    redis.command("SET", "settings", "v2")
    assert run(*watch).returncode == 0 and target.read_bytes() == b"v2"


def test_a_hash_is_written_as_json(redis, tmp_path):
    target = tmp_path / "upstreams.json"
    redis.command("HSET", "upstreams", "a", "10.0.0.1", "b", "10.0.0.2")
    result = run(TOOL, "-p", redis.port, "--watch", "-C", 1, "--to-file", target, "upstreams")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == b'{"a":"10.0.0.1","b":"10.0.0.2"}\n'


def test_mode_owner_and_symbolic_link_are_kept(redis, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "app.conf").write_bytes(b"old")
    if os.geteuid() == 0:
        os.chown(real / "app.conf", 1234, 1235)
    link = tmp_path / "app.conf"
    link.symlink_to(real / "app.conf")
    retain(redis, "cfg", b"new")
    result = run(TOOL, "-p", redis.port, "-R", "-C", 1, "--file-mode", "0640", "--to-file", link, "cfg")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and (real / "app.conf").read_bytes() == b"new"
    info = (real / "app.conf").stat()
    assert stat.S_IMODE(info.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (info.st_uid, info.st_gid) == (1234, 1235)
    assert sorted(os.listdir(real)) == ["app.conf"]  # no temporary file left behind


@pytest.mark.skipif(os.geteuid() != 0, reason="a bind mount needs root")
def test_a_bind_mounted_file_is_refused_clearly(redis, tmp_path):
    source, target = tmp_path / "source", tmp_path / "target"
    source.write_bytes(b"old")
    target.write_bytes(b"")
    if subprocess.run(["mount", "--bind", source, target], capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        retain(redis, "cfg", b"new")
        result = run(TOOL, "-p", redis.port, "-R", "-C", 1, "--to-file", target, "cfg")
    finally:
        subprocess.run(["umount", target])
    assert result.returncode == 74
    assert result.stderr.startswith(b"statesync-sub: cannot replace ") and b"mount point" in result.stderr
    assert source.read_bytes() == b"old"


HOSTILE = [b"../x", b"a/b", b"x\x00y", b".", b"..", b"..%2F", b"-rf", b".hidden", b"new\nline", b"n" * 300,
           "caf\u00e9".encode()]


def test_hostile_names_never_escape_the_directory(redis, tmp_path):
    root = tmp_path / "root"
    out = root / "mirror"
    out.mkdir(parents=True)
    with redis.client() as c:
        for i, name in enumerate(HOSTILE):
            c.command("SET", b"h:" + name if i % 2 else name, b"value %d" % i)
    keys = [b"h:" + name if i % 2 else name for i, name in enumerate(HOSTILE)]
    result = run(TOOL, "-p", redis.port, "--watch", "-P", "-C", len(keys), "--to-dir", out, "*")
    assert result.returncode == 0, result.stderr
    assert {p.split(os.sep)[0] for p in tree(root)} == {"mirror"}
    files = sorted(os.listdir(out))
    assert len(files) == len(keys) + 1 and ".statesync-index" in files
    for name in files:
        assert (out / name).is_file() and not (out / name).is_symlink()
        assert len(name.encode()) <= 255 and not name.startswith(".") or name == ".statesync-index"
    index = {}
    for line in (out / ".statesync-index").read_bytes().split(b"\n")[:-1]:
        file, _, escaped = line.partition(b"\t")
        index[file.decode()] = _unescape(escaped)
    assert sorted(index.values()) == sorted(keys)
    for file, key in index.items():
        assert (out / file).read_bytes() == b"value %d" % keys.index(key)


def _unescape(text):
    out, i = bytearray(), 0
    while i < len(text):
        if text[i:i + 1] == b"%":
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            out.append(text[i])
            i += 1
    return bytes(out)


def test_a_cleared_state_removes_its_file_unless_kept(redis, tmp_path):
    for keep in (False, True):
        out = tmp_path / f"keep-{keep}"
        out.mkdir()
        retain(redis, "svc.a", b"a")
        retain(redis, "svc.b", b"b")
        args = ["--keep-on-clear"] if keep else []
        sub = mirror(redis, "-R", "-P", "--to-dir", out, *args, "svc.*",
                     kind="NUMPAT")
        try:
            wait_content(out / "svc.b", b"b", sub)
            assert run("statesync-pub", "-p", redis.port, "-r", "--clear", "svc.a").returncode == 0
            retain(redis, "svc.b", b"b2")
            wait_content(out / "svc.b", b"b2", sub)
        finally:
            stop(sub)
        assert (out / "svc.a").exists() == keep
        index = (out / ".statesync-index").read_bytes()
        assert (b"svc.a\tsvc.a\n" in index) == keep


def test_validate_failure_keeps_the_old_file(redis, tmp_path):
    etc = tmp_path / "etc"
    etc.mkdir()
    target = etc / "nginx.conf"
    log = tmp_path / "reloads"
    retain(redis, "cfg", b"good 1\n")
    sub = mirror(redis, "-R", "--to-file", target, "--validate", 'grep -q good "$STATESYNC_NEW_FILE"',
                 "--on-change", f'echo "$STATESYNC_VERSION $STATESYNC_CHANNEL $STATESYNC_FILE" >> {log}', "cfg")
    try:
        wait_until(lambda: len(log_lines(log)) == 1, "the first reload", sub)
        retain(redis, "cfg", b"bad 2\n")
        line = sub.stderr.readline()
        assert line.startswith(b"statesync-sub: --validate ") and b"the old file is kept" in line, line
        assert target.read_bytes() == b"good 1\n"
        retain(redis, "cfg", b"good 3\n")
        wait_until(lambda: len(log_lines(log)) == 2, "the second reload", sub)
    finally:
        stop(sub)
    assert target.read_bytes() == b"good 3\n"
    assert log_lines(log) == [f"1 cfg {target}", f"3 cfg {target}"]
    assert os.listdir(etc) == ["nginx.conf"]  # the refused temporary file is gone


@pytest.mark.parametrize("args, message", [
    (["--to-file", "f", "cfg"], b"--to-file mirrors a state: add -R"),
    (["-R", "--to-file", "f", "a", "b"], b"--to-file holds one state"),
    (["-R", "-P", "--to-file", "f", "a*"], b"--to-file holds one state"),
    (["-R", "--to-file", "f", "--json", "cfg"], b"writes files: no --exec"),
    (["-R", "--to-file", "f", "--file-mode", "0999", "cfg"], b"--file-mode: must be an octal mode"),
    (["--on-change", "true", "cfg"], b"are for files: add --to-file or --to-dir"),
    (["-R", "--to-dir", "/no/such/dir", "cfg"], b"not a directory"),
])
def test_mirror_usage_errors(redis, args, message):
    result = run(TOOL, "-p", redis.port, *args)
    assert result.returncode in (64, 74) and result.stderr.startswith(b"statesync-sub: ") and message in result.stderr, \
        result.stderr


def test_changes_during_on_change_are_coalesced_into_one_more_run(redis, tmp_path):
    target, log, go = tmp_path / "app.conf", tmp_path / "runs", tmp_path / "go"
    retain(redis, "cfg", b"s1")
    # The first run waits (bounded) for the test's word, while 19 states come.
    on_change = (f'echo "$STATESYNC_VERSION" >> {log}; [ "$STATESYNC_VERSION" != 1 ] || '
                 f'for i in $(seq 3000); do [ -e {go} ] && break; sleep 0.01; done')
    sub = mirror(redis, "-R", "--to-file", target, "--on-change", on_change, "cfg")
    try:
        wait_until(lambda: log_lines(log) == ["1"], "the first --on-change", sub)
        lines = b"".join(b"s%d\n" % i for i in range(2, 21))
        assert run("statesync-pub", "-p", redis.port, "-r", "-l", "cfg", input=lines).returncode == 0
        go.touch()
        wait_until(lambda: log_lines(log)[-1:] == ["20"], "a run for the latest state", sub)
    finally:
        stop(sub)
    assert target.read_bytes() == b"s20"
    assert len(log_lines(log)) < 20, log_lines(log)  # one run per state would be 20
