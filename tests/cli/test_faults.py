"""Fault injection against real redis-server processes: holders killed at
random, servers frozen, paused, killed and restarted under the tools, and
peers that close or stall mid-reply. Each fault must end in the documented
exit status, with one clear line on standard error, in bounded time.

Covered elsewhere, not repeated here: a black-hole connect, a silent
listener, garbage instead of RESP, TLS to a plain port and back, expired and
wrong-host certificates (test_connection.py); a holder killed once, the lock
key deleted, the server stopped or frozen under a holder (test_lock.py); one
restart under a subscriber, --no-reconnect, --give-up, keepalive against a
frozen server (test_sub_staying.py); a server killed under an endless
Python-fed stream (test_pub_stream.py)."""

import os
import random
import re
import signal
import socket
import subprocess
import threading

import pytest

from conftest import run, spawn
from test_lock import blocked_waiters, dead, key, read_ready, stop, wait_until
from test_sub import finish, publish_all, wait_subscribed
from test_sub_staying import RETAIN, Lines

LOCK, PUB, SUB = "statesync-lock", "statesync-pub", "statesync-sub"


def group_members(pgid):
    """Live processes of a process group (zombies have ended their work)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


# --- lock safety under chaos ----------------------------------------------------

CONTENDERS, ROUNDS, KILLS, TTL = 8, 50, 4, 2
# Each section logs its start (fencing token, process group, the pid of its
# statesync-lock) and its end, appending to one file: the order of lines is
# the order in time. A killed holder's section cannot log its end; the killer
# logs "gone" once the section's whole process group has ended, which is
# never earlier than the true end, so the check below can only err towards
# seeing an overlap, never towards missing one.
SECTION = ('echo "start $STATESYNC_LOCK_TOKEN $(cut -d" " -f5 /proc/$$/stat) $PPID" >> log; '
           'sleep 0.01; echo "end $STATESYNC_LOCK_TOKEN" >> log')


def check_no_overlap(lines):
    holder = None
    tokens = []
    for line in lines:
        word, token = line.split()[:2]
        if word == "start":
            assert holder is None, f"section {token} started while {holder} still ran: {lines}"
            holder = token
            tokens.append(int(token))
        elif token == holder:  # its end, or its process group gone after a kill
            holder = None
    return tokens


def test_lock_chaos_sections_never_overlap(redis, tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    log = tmp_path / "log"
    log.touch()
    running = {}  # pid -> Popen of the statesync-lock processes now running
    guard = threading.Lock()
    statuses, killed, failures = [], {}, []
    done = threading.Event()

    def contender():
        try:
            for _ in range(ROUNDS):
                process = spawn(LOCK, "-p", redis.port, "--ttl", TTL, "chaos", "-c", SECTION, cwd=tmp_path,
                                stdout=subprocess.DEVNULL)
                with guard:
                    running[process.pid] = process
                try:
                    _, err = process.communicate(timeout=60)
                finally:
                    with guard:
                        del running[process.pid]
                    stop(process)
                statuses.append((process.pid, process.returncode, err))
        except Exception as error:  # reported by the test
            failures.append(error)

    def killer():
        """SIGKILLs the holder of an open section at random rounds, and logs
        "gone" once the section's process group has ended."""
        targets = sorted(rng.sample(range(5, CONTENDERS * ROUNDS - 50), KILLS))
        try:
            while targets and not done.is_set():
                text = log.read_text()
                lines = text.splitlines()
                starts = sum(1 for line in lines if line.startswith("start"))
                if starts < targets[0] or not text.endswith("\n") or not lines[-1].startswith("start"):
                    done.wait(0.005)
                    continue
                _, token, pgid, pid = lines[-1].split()
                with guard:
                    process = running.get(int(pid))
                    if process is None:
                        continue
                    process.send_signal(signal.SIGKILL)
                killed[int(pid)] = token
                # The lease it leaves behind runs out within the TTL.
                assert int(redis.command("PTTL", key("chaos"))) <= TTL * 1000
                wait_until(lambda: not group_members(int(pgid)), what=f"process group {pgid} to end")
                with open(log, "a") as f:
                    f.write(f"gone {token}\n")
                if f"end {token}" not in log.read_text().splitlines():
                    targets.pop(0)  # it did cut a section short; else try again
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=contender) for _ in range(CONTENDERS)]
    chaos = threading.Thread(target=killer)
    for thread in threads + [chaos]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    chaos.join()
    assert not failures, (seed, failures)
    lines = log.read_text().splitlines()
    tokens = check_no_overlap(lines)
    # Every acquisition ran its section, with strictly increasing tokens;
    # so after each kill the lock freed and the next holder acquired.
    assert tokens == list(range(1, CONTENDERS * ROUNDS + 1)), seed
    ended = {line.split()[1] for line in lines if line.startswith("end")}
    assert len([token for token in killed.values() if token not in ended]) == KILLS, seed
    for pid, status, err in statuses:
        if pid in killed:
            assert status in (-signal.SIGKILL, 0), (pid, status, err)
        else:
            assert (status, err) == (0, b""), (pid, status, err)


# --- lock loss ----------------------------------------------------------------------

GROUP = "sleep 100 & echo $! >> pids; sleep 100 & echo $! >> pids; echo ready; wait"


def group_holder(redis, tmp_path, name):
    """A holder whose command has children of its own (in pids)."""
    process = spawn(LOCK, "-p", redis.port, "--ttl", TTL, name, "-c", GROUP, cwd=tmp_path)
    read_ready(process)
    return process


def assert_group_gone(tmp_path):
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert len(pids) == 2 and all(dead(pid) for pid in pids)


# Whether a process of the old holder's command still runs, as seen from
# the next holder's command.
OVERLAP_CHECK = ('for p in $(cat pids); do s=$(cut -d" " -f3 /proc/$p/stat 2>/dev/null); '
                 '[ -n "$s" ] && [ "$s" != Z ] && echo "overlap with $p"; done; echo "token $STATESYNC_LOCK_TOKEN"')


def test_killed_holder_takes_its_whole_group_along(redis, tmp_path):
    """SIGKILL leaves statesync-lock no chance to act, and the parent-death
    signal reaches only the command: what the command started must not run
    on beside the next holder once the lease has run out."""
    holder = group_holder(redis, tmp_path, "orphans")
    try:
        holder.kill()
        holder.wait()
        after = spawn(LOCK, "-p", redis.port, "-w", 10, "orphans", "-c", OVERLAP_CHECK, cwd=tmp_path)
        out, err = finish(after)[1:]
        assert (after.returncode, out) == (0, b"token 2\n"), err
        assert_group_gone(tmp_path)
    finally:
        stop(holder)


# The frozen server (SIGSTOP) under a holder alone is test_lock.py's
# test_frozen_server_is_noticed_by_the_local_deadline; here a waiter that
# was blocked in the frozen server gives up by the reply timeout, and once
# the server thaws, a new one acquires.
def test_frozen_server_then_a_waiter_acquires(redis, tmp_path):
    holder = group_holder(redis, tmp_path, "frozen")
    waiter = spawn(LOCK, "-p", redis.port, "--timeout", 1, "frozen", "--", "echo", "early")
    try:
        wait_until(lambda: blocked_waiters(redis) == 1, what="the waiter to block")
        redis.pause()
        try:
            _, err = holder.communicate(timeout=20)
            out, waiter_err = waiter.communicate(timeout=20)
        finally:
            redis.resume()
        assert holder.returncode == 75, err
        assert err == b"statesync-lock: lock 'frozen' lost: not renewed within 1.3s; terminating the command\n"
        assert_group_gone(tmp_path)
        assert (waiter.returncode, out) == (69, b"")
        assert waiter_err == (b"statesync-lock: no reply from 127.0.0.1:%d within 1.0s while waiting for lock "
                              b"'frozen'\n" % redis.port)
        after = run(LOCK, "-p", redis.port, "-w", 10, "frozen", "-c", "echo $STATESYNC_LOCK_TOKEN")
        assert (after.returncode, after.stdout) == (0, b"2\n"), after.stderr
    finally:
        redis.resume()
        stop(holder)
        stop(waiter)


def test_server_restarted_empty_under_a_holder(redis, tmp_path):
    """The restart takes the lease with it: nothing is left to expire, and a
    new contender can acquire at once. The holder must notice the closed
    connection itself, not at its next renewal (a third of a 30 s TTL
    away), and stop its command's whole group before the new server is up."""
    process = spawn(LOCK, "-p", redis.port, "--ttl", 30, "reborn", "-c", GROUP, cwd=tmp_path)
    try:
        read_ready(process)
        redis.restart()
        after = spawn(LOCK, "-p", redis.port, "-w", 10, "reborn", "-c", OVERLAP_CHECK, cwd=tmp_path)
        out, err = finish(after)[1:]
        # The counter went with the data: tokens start again (see FENCING).
        assert (after.returncode, out) == (0, b"token 1\n"), err
        _, err = process.communicate(timeout=20)
        assert process.returncode == 75, err
        # A closed connection is opened again at once: refused, or dropped,
        # while the server is going or gone (one already back has no lease
        # to renew).
        assert re.fullmatch(rb"statesync-lock: lock 'reborn' lost: (connection to 127\.0\.0\.1:%d lost: [^;]+; "
                            rb"after it: (cannot connect to 127\.0\.0\.1:%d: Connection refused|connection to 127\.0\.0\.1:%d "
                            rb"lost: [^;]+)|it was deleted or taken over); terminating the command\n"
                            % (redis.port, redis.port, redis.port), err), err
        assert_group_gone(tmp_path)
    finally:
        stop(process)


# --- subscriber: a server that comes and goes -------------------------------------

class Flow:
    """Runs `step(client, n)` over and over in a thread, through restarts
    of the server: a failed step is retried on a new connection."""

    def __init__(self, server, step):
        self.server, self.step, self.n = server, step, 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                with self.server.client() as c:
                    while not self.stopping.is_set():
                        self.step(c, self.n)
                        self.n += 1
            except (OSError, ValueError):
                self.stopping.wait(0.01)  # the server is away: try again

    def stop(self):
        self.stopping.set()
        self.thread.join()


class Recorded(Lines):
    """Lines that also keeps every line it read, in order."""

    def __init__(self, stream):
        self.all = []
        super().__init__(stream)

    def _read(self, stream):
        for line in iter(stream.readline, b""):
            self.all.append(line)
            self.queue.put(line)
        self.queue.put(None)


def test_subscriber_survives_repeated_restarts_while_messages_flow(redis):
    sub = spawn(SUB, "-p", redis.port, "--give-up", 3, "ch")
    flow = None
    try:
        wait_subscribed(redis, "ch")
        stdout, stderr = Recorded(sub.stdout), Lines(sub.stderr)
        flow = Flow(redis, lambda c, n: c.command("PUBLISH", "ch", f"flow {n}"))
        for turn in range(4):
            redis.restart()
            stderr.wait_for(b"reconnected to 127.0.0.1:%d" % redis.port)
            wait_subscribed(redis, "ch")
            publish_all(redis, "ch", [f"mark {turn}"])
            stdout.wait_for(f"mark {turn}\n".encode())
        flow.stop()
        # Gone for good: --give-up ends it.
        redis.stop()
        assert sub.wait(timeout=30) == 69
        last = stderr.wait_for(b"not back within")
        assert last == (b"statesync-sub: cannot connect to 127.0.0.1:%d: Connection refused; not back within 3.0s\n"
                        % redis.port)
        stdout.thread.join(timeout=10)
        # What arrived between the restarts came once each, in order.
        flows = [int(line.split()[1]) for line in stdout.all if line.startswith(b"flow ")]
        assert flows == sorted(set(flows)) and len(flows) > 0 and len(flows) + 4 == len(stdout.all)
        assert [line for line in stdout.all if line.startswith(b"mark ")] == [b"mark %d\n" % turn for turn in range(4)]
    finally:
        if flow:
            flow.stop()
        stop(sub)


def test_retained_subscriber_converges_across_restarts(servers):
    """With persistence the state outlives each restart, so what was
    retained while the subscriber was away reaches it on its return: it
    prints versions that never go back (only a repeat after a reconnect)
    and ends on the last one."""
    server = servers(extra=["appendonly yes", "appendfsync always"])
    sub = spawn(SUB, "-p", server.port, "-R", "state")
    flow = None
    try:
        wait_subscribed(server, "state")
        stdout, stderr = Recorded(sub.stdout), Lines(sub.stderr)
        flow = Flow(server, lambda c, n: c.command("EVAL", RETAIN, 2, "statesync:state:state", "statesync:retained",
                                                   "state"))
        for _ in range(3):
            stdout.wait_for(b"\n")  # a state went through since the last restart
            server.restart()
            stderr.wait_for(b"reconnected")
        flow.stop()
        last = server.command("HGET", "statesync:state:state", "payload")
        stdout.wait_for(last + b"\n")
        sub.terminate()
        assert sub.wait(timeout=20) == 128 + signal.SIGTERM
        stdout.thread.join(timeout=10)
        versions = [int(line) for line in stdout.all]
        assert versions == sorted(versions) and versions[-1] == int(last), versions
    finally:
        if flow:
            flow.stop()
        stop(sub)


# --- publisher: a server killed in a million-line stream --------------------------

class ReplyTap:
    """A loopback pass-through between a client and a server that keeps the
    server's replies as they reach the client: the exact count of what was
    acknowledged, which no observer at the server can give once it is
    killed. When the server goes, it passes on all that came, then closes
    its side towards the client gently (and drains what the client still
    sends), so the client can read every reply that was sent."""

    def __init__(self, port, trigger_lines):
        self.upstream_port = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.replies = bytearray()
        self.triggered = threading.Event()
        self.trigger_lines = trigger_lines
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        try:
            client, _ = self.listener.accept()
        except OSError:
            return  # closed before anyone came
        server = socket.create_connection(("127.0.0.1", self.upstream_port))
        up = threading.Thread(target=self._forward_requests, args=(client, server))
        up.start()
        lines = 0
        while chunk := self._recv(server):
            self.replies += chunk
            lines += chunk.count(b"\n")
            if lines >= self.trigger_lines:
                self.triggered.set()
            client.sendall(chunk)
        client.shutdown(socket.SHUT_WR)
        self.triggered.set()
        up.join()
        client.close()
        server.close()

    def _forward_requests(self, client, server):
        alive = True
        while chunk := self._recv(client):
            if alive:
                try:
                    server.sendall(chunk)
                except OSError:
                    alive = False  # the server is gone: drain the client

    @staticmethod
    def _recv(sock):
        try:
            return sock.recv(1 << 20)
        except OSError:
            return b""

    def acknowledged(self):
        """PUBLISH replies are integers; the handshake's are not."""
        return sum(1 for line in bytes(self.replies).split(b"\r\n") if line.startswith(b":"))

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (close alone does not)
        self.thread.join(timeout=10)
        self.listener.close()


def test_server_killed_in_a_million_line_stream(servers, raw_subscriber):
    """Lines come from seq as fast as it writes them. The tap's count is
    exact; the raw subscriber's is not a bound either way (the server
    writes a turn's replies before the turn's messages, and loses what it
    had not written when killed), so it checks order and content only."""
    from test_pub_stream import read_messages
    server = servers(extra=["client-output-buffer-limit pubsub 0 0 0"])
    sub = raw_subscriber(server, "ch")
    tap = ReplyTap(server.port, trigger_lines=100_000)
    seq = subprocess.Popen(["seq", "1000000"], stdout=subprocess.PIPE)
    pub = spawn(PUB, "-p", tap.port, "--no-reconnect", "-l", "ch", stdin=seq.stdout, stdout=subprocess.DEVNULL)
    seq.stdout.close()
    received = []
    reader = threading.Thread(target=lambda: received.extend(read_messages(sub)))
    reader.start()
    try:
        assert tap.triggered.wait(timeout=60)
        server.stop()
        _, err = pub.communicate(timeout=60)
        reader.join(timeout=60)
    finally:
        stop(pub)
        stop(seq)
        tap.close()
    assert pub.returncode == 69, err
    match = re.fullmatch(rb"statesync-pub: connection to 127\.0\.0\.1:%d lost: [^\n]*; published (\d+) records\n"
                         % tap.port, err)
    assert match, err
    published = int(match.group(1))
    assert 0 < published == tap.acknowledged() < 1_000_000, (published, tap.acknowledged(), len(received))
    assert [p for _, p in received] == [b"%d" % i for i in range(1, len(received) + 1)]


def test_server_killed_in_a_million_line_stream_without_a_tap(servers, raw_subscriber):
    """The same, connected straight to the server: its sudden end may reset
    the connection with requests unread, a harsher close than the tap's."""
    from test_pub_stream import read_messages
    server = servers(extra=["client-output-buffer-limit pubsub 0 0 0"])
    sub = raw_subscriber(server, "ch")
    seq = subprocess.Popen(["seq", "1000000"], stdout=subprocess.PIPE)
    pub = spawn(PUB, "-p", server.port, "--no-reconnect", "-l", "ch", stdin=seq.stdout, stdout=subprocess.DEVNULL)
    seq.stdout.close()
    try:
        received = read_messages(sub, 100_000)
        server.stop()
        received += read_messages(sub)
        _, err = pub.communicate(timeout=60)
    finally:
        stop(pub)
        stop(seq)
    assert pub.returncode == 69, err
    match = re.fullmatch(rb"statesync-pub: connection to 127\.0\.0\.1:%d lost: [^\n]*; published (\d+) records\n"
                         % server.port, err)
    assert match, err
    assert 0 < int(match.group(1)) < 1_000_000
    assert [p for _, p in received] == [b"%d" % i for i in range(1, len(received) + 1)]


# --- CLIENT PAUSE: the server holds every reply back --------------------------------

@pytest.mark.parametrize("tool,args", [
    (PUB, ["ch", "x"]),
    (SUB, ["ch"]),
    (LOCK, ["paused", "--", "true"]),
])
def test_client_pause_makes_the_reply_timeout_fire(redis, tool, args):
    # Longer than the test: the fixture's server goes with it.
    redis.command("CLIENT", "PAUSE", 600_000, "ALL")
    result = run(tool, "-p", redis.port, "--timeout", 0.5, *args)
    assert result.returncode == 69
    assert result.stderr == b"%s: no reply from 127.0.0.1:%d within 0.5s\n" % (tool.encode(), redis.port)


def test_client_pause_in_a_stream_counts_what_was_acknowledged(redis, raw_subscriber):
    """Paused part of the way: the count is of what came back before."""
    sub = raw_subscriber(redis, "ch")
    pub = spawn(PUB, "-p", redis.port, "--timeout", 0.5, "--no-reconnect", "-l", "ch", stdin=subprocess.PIPE)
    try:
        pub.stdin.write(b"one\ntwo\n")
        pub.stdin.flush()
        assert sub.messages(2) == [(b"ch", b"one"), (b"ch", b"two")]
        redis.command("CLIENT", "PAUSE", 600_000, "ALL")
        pub.stdin.write(b"three\n")
        pub.stdin.close()
        status = pub.wait(timeout=20)
        err = pub.stderr.read()
    finally:
        stop(pub)
    assert status == 69
    # "of 3" once it has read the end of its input, which may come first.
    assert re.fullmatch(rb"statesync-pub: no reply from 127\.0\.0\.1:%d within 0\.5s; published 2( of 3)? records\n"
                        % redis.port, err), err


def test_client_pause_under_a_holder_loses_the_lock(redis, tmp_path):
    """Renewals wait behind the pause like everything else: the holder
    stops its command by the local deadline, as with a frozen server."""
    holder = group_holder(redis, tmp_path, "held")
    try:
        redis.command("CLIENT", "PAUSE", 600_000, "ALL")
        _, err = holder.communicate(timeout=20)
        assert holder.returncode == 75, err
        assert err == b"statesync-lock: lock 'held' lost: not renewed within 1.3s; terminating the command\n"
        assert_group_gone(tmp_path)
    finally:
        stop(holder)


# --- peers that are not quite servers ----------------------------------------------

class Peer:
    """A loopback listener that treats every connection by `behave(conn)`,
    until closed."""

    def __init__(self, behave):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.behave = behave
        self.connections = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(conn)
            self.behave(conn)

    def close(self):
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (close alone does not)
        self.thread.join(timeout=10)
        self.listener.close()
        for conn in self.connections:
            conn.close()


def hang_up(conn):
    conn.close()


def half_reply(conn):
    """Waits for the first command, then answers only part of a reply."""
    conn.recv(4096)
    conn.sendall(b"$10\r\nabc")


TOOLS = [(PUB, ["ch", "x"]), (SUB, ["ch"]), (LOCK, ["name", "--", "true"])]


@pytest.mark.parametrize("tool,args", TOOLS)
def test_peer_that_hangs_up_at_once(tool, args):
    peer = Peer(hang_up)
    try:
        result = run(tool, "-p", peer.port, "--timeout", 5, *args, timeout=30)
    finally:
        peer.close()
    assert result.returncode == 69
    assert result.stderr == b"%s: connection to 127.0.0.1:%d lost: server closed the connection\n" % (
        tool.encode(), peer.port)


@pytest.mark.parametrize("tool,args", TOOLS)
def test_peer_that_stalls_mid_reply(tool, args):
    peer = Peer(half_reply)
    try:
        result = run(tool, "-p", peer.port, "--timeout", 0.5, *args, timeout=30)
    finally:
        peer.close()
    assert result.returncode == 69
    assert result.stderr == b"%s: no reply from 127.0.0.1:%d within 0.5s\n" % (tool.encode(), peer.port)
