"""statesync-lock as a user runs it: mutual exclusion, waiting and its
statuses, the command's status passed through, lock loss killing the whole
process group, fencing tokens, the semaphore, --hold, signal forwarding,
interop with a plain SET NX PX holder, and the operators' inspection."""

import fcntl
import json
import re
import os
import select
import signal
import socket
import subprocess
import termios
import time

import pytest

from conftest import clean_env, run, spawn, tool_path

TOOL = "statesync-lock"


def lock(redis, *args, **kwargs):
    return run(TOOL, "-p", redis.port, *args, **kwargs)


def start(redis, *args, **kwargs):
    return spawn(TOOL, "-p", redis.port, *args, **kwargs)


def key(name):
    return f"statesync:lock:{{{name}}}"


def wait_until(predicate, limit=10.0, what="condition"):
    """Bounded polling, for what has no readiness signal of its own."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def stop(process):
    if process.poll() is None:
        process.kill()
    process.wait()


def read_ready(process):
    """The command's first line: it runs under the lock."""
    line = process.stdout.readline()
    assert line == b"ready\n", (line, process.stderr.read() if process.poll() is not None else b"")


def holding(redis, name, *args, command="echo ready; exec sleep 100"):
    """A statesync-lock that holds `name` (returns once its command runs)."""
    process = start(redis, *args, name, "-c", command)
    read_ready(process)
    return process


def dead(pid):
    """Gone, or a zombie waiting for init to reap it."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def blocked_waiters(redis):
    clients = redis.command("CLIENT", "LIST").decode()
    return sum(1 for line in clients.splitlines() if "cmd=blpop" in line)


# --- mutual exclusion and fencing -------------------------------------------

def test_eight_contenders_never_overlap_and_count_exactly(redis, tmp_path):
    (tmp_path / "count").write_text("0\n")
    # Non-atomic read-modify-write; mkdir fails if another is inside.
    critical = ("mkdir inside 2>/dev/null || echo overlap >> overlaps; "
                "n=$(cat count); echo $((n + 1)) > count; echo $STATESYNC_LOCK_TOKEN >> tokens; rmdir inside")
    loop = f'for i in $(seq 50); do "$0" -p {redis.port} counter -c \'{critical}\' || exit 1; done'
    contenders = [subprocess.Popen(["sh", "-c", loop, tool_path(TOOL)], cwd=tmp_path, env=clean_env(),
                                   stderr=subprocess.PIPE) for _ in range(8)]
    try:
        for contender in contenders:
            _, err = contender.communicate(timeout=240)
            assert contender.returncode == 0, err
    finally:
        for contender in contenders:
            stop(contender)
    assert (tmp_path / "count").read_text() == "400\n"
    assert not (tmp_path / "overlaps").exists()
    tokens = [int(t) for t in (tmp_path / "tokens").read_text().split()]
    assert tokens == sorted(set(tokens)) and len(tokens) == 400  # strictly increasing


def test_environment_and_fencing_token_strictly_increases(redis):
    seen = []
    for _ in range(4):
        result = lock(redis, "--ttl", "7.5", "fenced", "-c",
                      'echo "$STATESYNC_LOCK_NAME $STATESYNC_LOCK_TOKEN $STATESYNC_LOCK_TTL_MS"')
        assert result.returncode == 0, result.stderr
        name, token, ttl = result.stdout.split()
        assert (name, ttl) == (b"fenced", b"7500")
        seen.append(int(token))
    assert seen == [1, 2, 3, 4]


def test_command_after_double_dash_runs_without_shell(redis):
    result = lock(redis, "plain", "--", "printf", "%s|", "a b", "$HOME", "-n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"a b|$HOME|-n|"


# --- acquiring and waiting ------------------------------------------------------

def test_nonblock_wait_and_conflict_exit_code(redis):
    holder = holding(redis, "busy")
    try:
        for args, status in [(["-n"], 1), (["-n", "-E", "42"], 42), (["-w", "0"], 1), (["-w", "0.3"], 1),
                             (["-w", "0.2", "-E", "0"], 0)]:
            result = lock(redis, *args, "busy", "--", "echo", "ran")
            assert (result.returncode, result.stdout, result.stderr) == (status, b"", b""), args
    finally:
        holder.send_signal(signal.SIGTERM)
        holder.wait(timeout=10)
    assert lock(redis, "-n", "busy", "--", "true").returncode == 0


def test_verbose_says_who_holds_it(redis):
    holder = holding(redis, "seen")
    try:
        result = lock(redis, "-v", "-n", "seen", "--", "true")
        assert result.returncode == 1
        assert f"statesync-lock: 'seen' is held by {socket.gethostname()}:{holder.pid} (fencing token 1, for ".encode() \
            in result.stderr
    finally:
        stop(holder)


def test_waiter_handed_the_lock_on_release(redis):
    holder = start(redis, "h2", "-c", "echo ready; read line; exit 0", stdin=subprocess.PIPE)
    read_ready(holder)
    waiter = start(redis, "h2", "--", "echo", "mine")
    try:
        wait_until(lambda: blocked_waiters(redis) == 1, what="the waiter to block")
        holder.stdin.close()  # the command ends; the release signals the waiter
        assert holder.wait(timeout=10) == 0
        out, err = waiter.communicate(timeout=10)
        assert (waiter.returncode, out) == (0, b"mine\n"), err
    finally:
        stop(holder)
        stop(waiter)


def test_signal_while_waiting_ends_the_wait_without_acquiring(redis):
    holder = holding(redis, "patience")
    waiter = start(redis, "patience", "-c", "echo acquired")
    try:
        wait_until(lambda: blocked_waiters(redis) == 1, what="the waiter to block")
        waiter.send_signal(signal.SIGTERM)
        out, _ = waiter.communicate(timeout=10)
        assert (waiter.returncode, out) == (128 + signal.SIGTERM, b"")
        assert holder.poll() is None
    finally:
        stop(holder)
        stop(waiter)


# --- the command's status and signals --------------------------------------------

@pytest.mark.parametrize("command,status", [
    ("exit 7", 7),
    ("exit 0", 0),
    ("kill -TERM $$", 128 + signal.SIGTERM),
    ("kill -KILL $$", 128 + signal.SIGKILL),
])
def test_command_status_is_passed_through(redis, command, status):
    assert lock(redis, "status", "-c", command).returncode == status
    assert lock(redis, "-n", "status", "--", "true").returncode == 0  # released


def test_command_not_found_or_not_executable(redis, tmp_path):
    result = lock(redis, "missing", "--", "/nonexistent/command")
    assert result.returncode == 127
    assert result.stderr == b"statesync-lock: cannot run '/nonexistent/command': No such file or directory\n"
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\n")
    result = lock(redis, "missing", "--", str(script))
    assert result.returncode == 126
    assert result.stderr == f"statesync-lock: cannot run '{script}': Permission denied\n".encode()
    assert lock(redis, "-n", "missing", "--", "true").returncode == 0  # released


def test_signals_are_forwarded_to_the_command(redis):
    command = 'trap "echo usr1" USR1; trap "echo term; exit 3" TERM; echo ready; while :; do sleep 0.05; done'
    process = holding(redis, "relay", command=command)
    try:
        process.send_signal(signal.SIGUSR1)
        assert process.stdout.readline() == b"usr1\n"
        process.send_signal(signal.SIGTERM)
        assert process.stdout.readline() == b"term\n"
        assert process.wait(timeout=10) == 3
    finally:
        stop(process)


def test_max_runtime_terminates_the_command(redis):
    result = lock(redis, "--max-runtime", "0.3", "runaway", "--", "sleep", "100")
    assert result.returncode == 128 + signal.SIGTERM
    assert result.stderr == b"statesync-lock: 'runaway' ran longer than --max-runtime 0.3s: terminating it\n"


# --- on a terminal ----------------------------------------------------------------

def on_terminal(*args, ctrl_c_after=None, limit=20.0):
    """Runs statesync-lock as a shell would in a terminal's foreground: a new
    session whose controlling terminal is a pty; types Ctrl-C once the output
    shows `ctrl_c_after`. Returns (status, output)."""
    master, slave = os.openpty()

    def own_terminal():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen([tool_path(TOOL), *map(str, args)], stdin=slave, stdout=slave, stderr=slave,
                               env=clean_env(), preexec_fn=own_terminal)
    os.close(slave)
    output = b""
    end = time.monotonic() + limit
    try:
        while time.monotonic() < end:
            if not select.select([master], [], [], max(0.0, end - time.monotonic()))[0]:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: every process using the terminal has ended
                break
            if not chunk:
                break
            output += chunk
            if ctrl_c_after and ctrl_c_after in output:
                ctrl_c_after = None
                os.write(master, b"\x03")
        return process.wait(timeout=5), output
    finally:
        stop(process)
        os.close(master)


def test_command_gets_the_terminal_foreground(redis):
    # Fields 5 and 8 of /proc/PID/stat: the process group, the terminal's foreground group.
    status, output = on_terminal("-p", redis.port, "tty", "-c", 'set -- $(cut -d" " -f5,8 /proc/$$/stat); '
                                 'echo "pgrp=$1 foreground=$2"')
    assert status == 0, output
    line = output.decode().strip()
    pgrp, foreground = (field.split("=")[1] for field in line.split())
    assert pgrp == foreground, line


def test_ctrl_c_on_a_terminal_reaches_the_command(redis):
    status, output = on_terminal("-p", redis.port, "interactive", "-c", "echo ready; exec sleep 100",
                                 ctrl_c_after=b"ready")
    assert status == 128 + signal.SIGINT, output
    assert lock(redis, "-n", "interactive", "--", "true").returncode == 0  # released


def test_live_waiting_line_on_a_terminal(redis):
    holder = holding(redis, "watched")
    try:
        status, output = on_terminal("-p", redis.port, "-v", "-w", "1.5", "watched", "--", "true")
        assert status == 1, output
        assert f"\r\x1b[Kstatesync-lock: waiting for watched (held by {socket.gethostname()}:{holder.pid}, 0s)".encode() \
            in output
        assert output.endswith(b"\r\x1b[Kstatesync-lock: 'watched' not acquired\r\n")
    finally:
        stop(holder)


# --- lock loss --------------------------------------------------------------------

GROUP = "sleep 100 & echo $! >> pids; sleep 100 & echo $! >> pids; echo ready; wait"


def group_holder(redis, tmp_path, name, *args):
    process = spawn(TOOL, "-p", redis.port, "--ttl", "2", *args, name, "-c", GROUP, cwd=tmp_path)
    read_ready(process)
    return process


def assert_group_gone(tmp_path):
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2
    wait_until(lambda: all(dead(pid) for pid in pids), limit=5, what="the grandchildren to end")


def test_holder_killed_frees_the_lock_within_its_ttl(redis, tmp_path):
    holder = group_holder(redis, tmp_path, "crash")
    child = int(open(f"/proc/{holder.pid}/task/{holder.pid}/children").read().split()[0])
    holder.kill()
    holder.wait()
    wait_until(lambda: dead(child), limit=5, what="the command to die with statesync-lock")
    result = lock(redis, "-w", "10", "crash", "--", "true")
    assert result.returncode == 0, result.stderr


def test_key_deleted_terminates_the_whole_group(redis, tmp_path):
    holder = group_holder(redis, tmp_path, "deleted")
    try:
        redis.command("DEL", key("deleted"))
        _, err = holder.communicate(timeout=20)
        assert holder.returncode == 75
        assert err == b"statesync-lock: lock 'deleted' lost: it was deleted or taken over; terminating the command\n"
        assert_group_gone(tmp_path)
    finally:
        stop(holder)


def test_server_stopped_terminates_the_command(redis, tmp_path):
    holder = group_holder(redis, tmp_path, "stopped")
    try:
        redis.stop()
        _, err = holder.communicate(timeout=20)
        assert holder.returncode == 75
        assert err.startswith(b"statesync-lock: lock 'stopped' lost: ")
        assert_group_gone(tmp_path)
    finally:
        stop(holder)


def test_frozen_server_is_noticed_by_the_local_deadline(redis, tmp_path):
    holder = group_holder(redis, tmp_path, "frozen")
    try:
        redis.pause()
        _, err = holder.communicate(timeout=20)
        assert holder.returncode == 75
        assert err == b"statesync-lock: lock 'frozen' lost: not renewed within 1.3s; terminating the command\n"
        assert_group_gone(tmp_path)
    finally:
        redis.resume()
        stop(holder)


def test_signal_against_a_frozen_server_waits_for_the_release_only_briefly(redis):
    # The reply timeout (60 s) would outlast the test's own bound: the
    # release after a signal is waited for a second at most.
    holder = holding(redis, "frozen-release", "--ttl", "30", "--timeout", "60")
    try:
        redis.pause()
        holder.send_signal(signal.SIGTERM)
        _, err = holder.communicate(timeout=30)
        assert holder.returncode == 128 + signal.SIGTERM
        assert re.fullmatch(rb"statesync-lock: lock 'frozen-release' not released: no reply within 1\.0s after "
                            rb"SIGTERM; its lease ends on its own within \d+\.\ds\n", err), err
    finally:
        redis.resume()
        stop(holder)


def test_on_lost_kill_skips_sigterm(redis):
    holder = holding(redis, "killed", "--ttl", "1", "--on-lost", "kill",
                     command='trap "echo term" TERM; echo ready; while :; do sleep 0.05; done')
    try:
        redis.command("DEL", key("killed"))
        out, err = holder.communicate(timeout=20)
        assert (holder.returncode, out) == (75, b"")
        assert err.endswith(b"; killing the command\n")
    finally:
        stop(holder)


def test_on_lost_ignore_lets_the_command_finish(redis):
    holder = start(redis, "--ttl", "1", "--on-lost", "ignore", "ignored", "-c", "echo ready; read line; echo done",
                   stdin=subprocess.PIPE)
    try:
        read_ready(holder)
        redis.command("DEL", key("ignored"))
        assert holder.stderr.readline() == (b"statesync-lock: lock 'ignored' lost: it was deleted or taken over; "
                                            b"the command runs on (--on-lost ignore)\n")
        holder.stdin.close()
        assert holder.stdout.read() == b"done\n"
        assert holder.wait(timeout=10) == 75
    finally:
        stop(holder)


# --- semaphore ----------------------------------------------------------------------

def test_semaphore_of_three_with_ten_contenders(redis, tmp_path):
    critical = ("touch in.$$; n=$(ls in.* | wc -l); echo $n >> seen; "
                "[ $n -le 3 ] || echo over >> overlaps; sleep 0.1; rm in.$$")
    contenders = [spawn(TOOL, "-p", redis.port, "--limit", "3", "pool", "-c", critical, cwd=tmp_path)
                  for _ in range(10)]
    try:
        for contender in contenders:
            _, err = contender.communicate(timeout=60)
            assert contender.returncode == 0, err
    finally:
        for contender in contenders:
            stop(contender)
    assert len((tmp_path / "seen").read_text().split()) == 10
    assert not (tmp_path / "overlaps").exists()


def test_semaphore_admits_exactly_its_limit(redis):
    holders = [holding(redis, "slots", "--limit", "3") for _ in range(3)]
    try:
        assert lock(redis, "--limit", "3", "-n", "slots", "--", "true").returncode == 1
        status = json.loads(lock(redis, "--status", "--json", "slots").stdout)
        assert status["limit"] == 3 and sorted(h["pid"] for h in status["holders"]) == sorted(h.pid for h in holders)
        result = lock(redis, "--limit", "2", "-n", "slots", "--", "true")
        assert result.returncode == 64
        assert result.stderr == (b"statesync-lock: lock 'slots' is in use as a semaphore of 3, not 2: every user of "
                                 b"a name must give the same limit\n")
        assert lock(redis, "-n", "slots", "--", "true").returncode == 64  # a plain lock on a semaphore's name
        holders[0].send_signal(signal.SIGTERM)
        assert lock(redis, "--limit", "3", "-w", "10", "slots", "--", "true").returncode == 0
    finally:
        for holder in holders:
            stop(holder)


def test_semaphore_refused_where_a_plain_lock_is_held(redis):
    holder = holding(redis, "mixed")
    try:
        result = lock(redis, "--limit", "2", "-n", "mixed", "--", "true")
        assert result.returncode == 64
        assert b"is in use as a plain lock, not a semaphore of 2" in result.stderr
    finally:
        stop(holder)


# --- hold ---------------------------------------------------------------------------

def test_hold_keeps_the_lock_after_the_command(redis):
    assert lock(redis, "--hold", "1.5", "held", "--", "true").returncode == 0
    assert lock(redis, "-n", "held", "--", "true").returncode == 1
    assert 0 < int(redis.command("PTTL", key("held"))) <= 1500
    result = lock(redis, "-w", "10", "held", "--", "true")  # the hold runs out
    assert result.returncode == 0, result.stderr


def test_status_and_a_refusal_say_it_is_the_post_run_hold(redis):
    result = lock(redis, "-v", "--hold", "30", "held", "--", "true")
    assert result.returncode == 0
    assert re.search(rb"statesync-lock: lock 'held' \(fencing token 1\) held after the command for --hold 30.0s, "
                     rb"until 20\d\d-[^ ]*Z\n", result.stderr), result.stderr
    status = lock(redis, "--status", "held")
    assert b"whose command has ended: post-run --hold until 20" in status.stdout, status.stdout
    refused = lock(redis, "-n", "-v", "held", "--", "true")
    assert refused.returncode == 1
    assert b"whose command has ended: post-run --hold until 20" in refused.stderr, refused.stderr
    [entry] = json.loads(lock(redis, "--status", "--json", "held").stdout)["holders"]
    assert entry["after_run"] is True and entry["by_statesync"] is True


def test_verbose_says_the_lock_was_released(redis):
    result = lock(redis, "-v", "done", "--", "true")
    assert result.returncode == 0
    assert result.stderr.endswith(b"statesync-lock: lock 'done' (fencing token 1) released\n"), result.stderr


# --- interop with SET NX PX ---------------------------------------------------------

def test_plain_set_nx_holder_excludes_us_and_we_exclude_it(redis):
    assert redis.command("SET", key("shared"), "their-token", "NX", "PX", "30000") == "OK"
    result = lock(redis, "-v", "-n", "shared", "--", "true")
    assert result.returncode == 1
    assert b"'shared' is held by another client (token 'their-token', " in result.stderr
    waiter = start(redis, "-w", "20", "shared", "--", "echo", "mine")
    try:
        wait_until(lambda: blocked_waiters(redis) == 1, what="the waiter to block")
        redis.command("DEL", key("shared"))  # their release does not signal: seen by our recheck
        out, err = waiter.communicate(timeout=20)
        assert (waiter.returncode, out) == (0, b"mine\n"), err
    finally:
        stop(waiter)
    holder = holding(redis, "shared")
    try:
        assert redis.command("SET", key("shared"), "their-token", "NX", "PX", "30000") is None
        assert redis.command("GET", key("shared")).endswith(f":{socket.gethostname()}:{holder.pid}".encode())
    finally:
        stop(holder)


# --- inspection ---------------------------------------------------------------------

def test_status_list_and_json(redis):
    assert lock(redis, "alpha", "--", "true").returncode == 0  # fencing token 1, released
    free = lock(redis, "--status", "alpha")
    assert free.returncode == 1
    assert free.stdout.startswith(b"alpha free (last fencing token 1)\n  last run: ")  # see test_lock_history.py
    holder = holding(redis, "alpha", "--ttl", "20")
    other = holding(redis, "beta")
    host = socket.gethostname()
    try:
        result = lock(redis, "--status", "alpha")
        assert result.returncode == 0
        line = result.stdout.decode()
        assert line.startswith(f"alpha held by {host}:{holder.pid} since 20") and line.endswith("\n")
        assert "(fencing token 2, for " in line and "s left)" in line
        status = json.loads(lock(redis, "--status", "--json", "alpha").stdout)
        assert status["name"] == "alpha" and status["held"] and status["limit"] == 1
        assert status["last_fence"] == 2
        [entry] = status["holders"]
        assert (entry["host"], entry["pid"], entry["fence"], entry["ttl_ms"]) == (host, holder.pid, 2, 20000)
        assert 0 < entry["left_ms"] <= 20000 and entry["since"].endswith("Z") and entry["by_statesync"]
        assert entry["after_run"] is False and "ours" not in entry
        listed = lock(redis, "--list")
        assert [l.split()[0] for l in listed.stdout.decode().splitlines() if not l.startswith(" ")] == ["alpha", "beta"]
        assert [s["name"] for s in json.loads(lock(redis, "--list", "--json", "b*").stdout)] == ["beta"]
        assert json.loads(lock(redis, "--list", "--json", "nothing*").stdout) == []
    finally:
        stop(holder)
        stop(other)


def test_key_prefix(redis):
    holder = holding(redis, "prefixed", "--key-prefix", "app:")
    try:
        assert redis.command("EXISTS", "app:lock:{prefixed}") == 1
        assert lock(redis, "-n", "prefixed", "--", "true").returncode == 0  # another prefix, another lock
        assert lock(redis, "--key-prefix", "app:", "-n", "prefixed", "--", "true").returncode == 1
    finally:
        stop(holder)


def test_force_release(redis):
    holder = holding(redis, "stuck", "--ttl", "1")
    try:
        result = lock(redis, "--release", "stuck")
        assert result.returncode == 0
        who = f"{socket.gethostname()}:{holder.pid}"
        assert result.stdout.startswith(f"stuck released: it was held by {who} since ".encode())
        assert result.stdout.endswith(f"; {who} notices at its next renewal, within 0.3s (every third of its 1.0s "
                                      f"lease), then stops its command and exits 75\n".encode())
        assert redis.command("EXISTS", key("stuck")) == 0
        _, err = holder.communicate(timeout=20)  # the holder notices at its next renewal
        assert holder.returncode == 75 and b"lost: it was deleted or taken over" in err
        again = lock(redis, "--release", "--json", "stuck")
        assert again.returncode == 1 and json.loads(again.stdout)["held"] is False
        free = lock(redis, "--release", "stuck")
        assert (free.returncode, free.stdout) == (1, b"stuck was free: nothing released (last fencing token 1)\n")
    finally:
        stop(holder)


# --- usage ----------------------------------------------------------------------------

@pytest.mark.parametrize("args,message", [
    ([], b"a lock NAME is needed"),
    (["-u", "name"], b"-u name is not a URL: -u is the server's URL (as in redis-cli); to release a lock held "
                     b"elsewhere, use --release NAME"),
    (["-c", "true", "name", "--", "true"], b"give either -c STRING or a COMMAND"),
    (["-n", "-w", "1", "name", "--", "true"], b"-n and -w do not go together"),
    (["--json", "name", "--", "true"], b"--json goes with --status, --list, --release or --history"),
    (["--status", "--release", "name"], b"do not go together"),
    (["--status"], b"--status needs a lock NAME"),
    (["--status", "name", "--", "true"], b"--status runs no command"),
    (["--bogus", "name", "--", "true"], b"unknown option --bogus"),
    (["--on-lost", "later", "name", "--", "true"], b"--on-lost"),
    (["--limit", "0", "name", "--", "true"], b"--limit"),
])
def test_usage_errors(redis, args, message):
    result = lock(redis, *args)
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-lock: ") and message in result.stderr, result.stderr


def test_options_after_name_belong_to_the_command(redis):
    result = lock(redis, "opts", "echo", "-n", "x")
    assert (result.returncode, result.stdout) == (0, b"x")


def test_a_short_reply_to_the_lock_script_is_a_protocol_error():
    """A peer that answers the lock script with a refusal missing its
    holder fields: a protocol error (76) naming the lock, not a bug (70)."""
    import threading

    from resp import RespConnection

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    scripts_seen = []

    def answer():
        conn, _ = listener.accept()
        peer = RespConnection(conn)
        try:
            while True:
                command = peer.read()
                if command[0].upper() in (b"EVALSHA", b"EVAL"):
                    scripts_seen.append(command[0])
                    conn.sendall(b"*3\r\n:0\r\n:100\r\n$3\r\ntok\r\n")  # {refused, ms left, token}: no more
                else:
                    conn.sendall(b"+OK\r\n")
        except (ConnectionError, OSError):
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        result = run(TOOL, "-p", listener.getsockname()[1], "-n", "short", "true")
        assert result.returncode == 76, result.stderr
        assert result.stderr.startswith(b"statesync-lock: cannot acquire lock 'short': unexpected reply"), result.stderr
    finally:
        thread.join()
        listener.close()
    assert scripts_seen == [b"EVALSHA"]
