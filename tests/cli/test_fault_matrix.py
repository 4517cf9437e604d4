"""The fault matrix (issue 22): every capability of the tools against the
faults real networks and operators make, one parametrized cell each.

Faults that last (the proxy goes silent or resets every connection, the
server is paused by CLIENT PAUSE or frozen by SIGSTOP) stay until the tool
has ended: the cell asserts that every wait ends by its deadline (-w,
--give-up, the lease) with the documented status and one line on standard
error. Faults that pass (the server closes the tool's connections with
CLIENT KILL, or its idle ones with `timeout 1`) are followed by more work:
the cell asserts that the tool goes on and that nothing acknowledged is
lost (at-least-once: duplicates allowed where documented, never a gap).

The tool reaches the server through tests/cli/fault_proxy.py; the test's
own commands go to the server directly. No timing is asserted: a tool that
does not end is caught by a generous bound (HANG) and fails its cell."""

import os
import subprocess
import time

import pytest

from conftest import BUILD, clean_env, run, spawn
from fault_proxy import FaultProxy
from test_lock import key, stop
from test_sub_staying import Lines

HANG = 10  # seconds: far past every deadline below (2 s at most); only a hang reaches it
# Short deadlines, so that a lasting fault ends each cell in a second or two.
FAST = ["--connect-timeout", "0.5", "--timeout", "0.5"]
GIVE_UP = ["--give-up", "1"]
PAUSE_MS = 6000  # CLIENT PAUSE: longer than any deadline here (a stream reader: the read before, 1 s, its own 1 s block and 0.5 s reply timeout, then --give-up 1)

LASTING = ["proxy_silent", "proxy_reset", "client_pause", "sigstop"]
PASSING = ["kill_normal", "server_timeout"]  # kill_pubsub too, for the tools that subscribe


def wait_until(predicate, what, limit=20.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


class Fault:
    """Applies one fault; undo() puts the server back for the next step."""

    def __init__(self, name, redis, proxy):
        self.name, self.redis, self.proxy = name, redis, proxy
        self.stopped = False

    def apply(self):
        if self.name == "proxy_silent":
            self.proxy.set("silent")
        elif self.name == "proxy_reset":
            self.proxy.set("reset")
        elif self.name == "kill_normal":
            self.redis.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        elif self.name == "kill_pubsub":
            self.redis.command("CLIENT", "KILL", "TYPE", "pubsub")
        elif self.name == "server_timeout":
            self.redis.command("CONFIG", "SET", "timeout", "1")
            # No event says the server's cron has closed the idle clients:
            # it does so within a second past the timeout.
            time.sleep(2.2)
        elif self.name == "client_pause":
            self.redis.command("CLIENT", "PAUSE", str(PAUSE_MS), "ALL")
        elif self.name == "sigstop":
            self.redis.pause()
            self.stopped = True

    def undo(self):
        if self.stopped:
            self.redis.resume()
            self.stopped = False
        self.proxy.set("pass")
        if self.name == "client_pause":
            # The pause ends by itself; a command waits for it.
            self.redis.command("PING")
        if self.name == "server_timeout":
            self.redis.command("CONFIG", "SET", "timeout", "0")


def ended(process):
    """(status, stderr lines) once the process has ended."""
    try:
        process.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        stop(process)
        raise AssertionError(f"still running {HANG}s after a deadline: {process.args}")
    return process.returncode, process.stderr.read().decode(errors="replace").splitlines()


def one_line(err, tool):
    """One line says why the tool ended; before it, only the documented
    notices of a lost connection being retried ("...; reconnecting ...")."""
    assert all(line.startswith(f"{tool}: ") for line in err), err
    assert len([line for line in err if "; reconnecting" not in line]) == 1, err


class Capability:
    """One capability of the tools, through the proxy at `port`."""
    tool = None
    applies = LASTING + PASSING
    lasting_status = {69}  # the documented end of a lasting fault

    def __init__(self, redis, proxy, fault):
        self.redis, self.proxy, self.port, self.fault = redis, proxy, proxy.port, fault

    def start(self):
        raise NotImplementedError

    def after(self):
        """After a passing fault: more work, then the invariant."""
        raise NotImplementedError


class OneShotPublish(Capability):
    tool = "statesync-pub"
    applies = LASTING  # it holds no connection for a passing fault to close

    def start(self):
        return None  # runs once the fault is on

    def lasting(self):
        result = run(self.tool, "-p", self.port, *FAST, "ch", "x", timeout=HANG)
        err = result.stderr.decode().splitlines()
        assert result.returncode == 69, err
        one_line(err, self.tool)


class LineWriter(Capability):
    """statesync-pub -l as a retained record stream, or --stream writer."""
    tool = "statesync-pub"
    stream = False

    def start(self):
        mode = ["--stream", "st"] if self.stream else ["-r", "cfg"]
        self.process = spawn(self.tool, "-p", self.port, *FAST, *GIVE_UP, "-l", *mode, stdin=subprocess.PIPE)
        self.feed(range(5))
        wait_until(lambda: self.count() >= 5, "the first lines acknowledged")
        return self.process

    def feed(self, numbers):
        for n in numbers:
            try:
                self.process.stdin.write(b"line%d\n" % n)
                self.process.stdin.flush()
            except BrokenPipeError:
                return

    def count(self):
        if self.stream:
            return self.redis.command("XLEN", "st")
        version = self.redis.command("HGET", "statesync:state:cfg", "version")
        return int(version) if version else 0

    def finish_input(self):
        try:
            self.process.stdin.close()
        except BrokenPipeError:
            pass

    def lasting(self):
        self.feed(range(5, 10))
        self.finish_input()
        status, err = ended(self.process)
        assert status in self.lasting_status, err
        one_line(err, self.tool)

    def after(self):
        self.feed(range(5, 10))
        self.finish_input()
        status, err = ended(self.process)
        assert status == 0 and err == [], err
        # Nothing acknowledged lost: every line there, in order (a line sent
        # again after a lost reply may come twice).
        if self.stream:
            payloads = [e[1][1].decode() for e in self.redis.command("XRANGE", "st", "-", "+")]
            assert sorted(set(payloads), key=lambda p: int(p[4:])) == [f"line{n}" for n in range(10)]
            firsts = [payloads.index(f"line{n}") for n in range(10)]
            assert firsts == sorted(firsts)
        else:
            assert self.redis.command("HGET", "statesync:state:cfg", "payload") == b"line9"


class RecordStream(LineWriter):
    pass


class StreamWriter(LineWriter):
    stream = True


class ChannelSubscriber(Capability):
    tool = "statesync-sub"
    applies = LASTING + PASSING + ["kill_pubsub"]
    extra = []
    channel = "ch"

    def start(self):
        self.process = spawn(self.tool, "-p", self.port, *FAST, *GIVE_UP, "--keepalive", "0.5", *self.extra,
                             "-C", 2, self.channel)
        self.lines = Lines(self.process.stdout)
        self.deliver(b"before")
        return self.process

    def deliver(self, payload):
        """Published until someone receives it, and then seen printed."""
        wait_until(lambda: self.redis.command("PUBLISH", self.channel, payload) >= 1, f"a subscriber for {payload}")
        self.lines.wait_for(payload, timeout=HANG)

    def lasting(self):
        status, err = ended(self.process)
        assert status in self.lasting_status, err
        one_line(err, self.tool)

    def after(self):
        self.deliver(b"after")
        status, err = ended(self.process)
        assert status == 0, err


class RetainedSubscriber(ChannelSubscriber):
    extra = ["-R"]


class Watcher(Capability):
    tool = "statesync-sub"
    applies = LASTING + PASSING + ["kill_pubsub"]  # invalidations may come on a subscribed connection

    def start(self):
        self.redis.command("SET", "k", "v0")
        self.process = spawn(self.tool, "-p", self.port, *FAST, *GIVE_UP, "--keepalive", "0.5", "--watch",
                             "-C", 2, "k")
        self.lines = Lines(self.process.stdout)
        self.lines.wait_for(b"v0", timeout=HANG)
        return self.process

    def lasting(self):
        ChannelSubscriber.lasting(self)

    def after(self):
        # Set again until the watcher shows it: a watcher gone deaf never does.
        end = time.monotonic() + 5
        while self.process.poll() is None and time.monotonic() < end:
            self.redis.command("SET", "k", "v1")
            time.sleep(0.05)
        if self.process.poll() is None:
            raise AssertionError("the change was never shown")
        status, err = ended(self.process)
        assert status == 0, ("the change was never shown", err)


class StreamTail(Capability):
    tool = "statesync-sub"
    extra = ["--from", "0"]

    def start(self):
        self.redis.command("XADD", "st", "*", "payload", "before")
        self.process = spawn(self.tool, "-p", self.port, *FAST, *GIVE_UP, "--stream",
                             *self.extra, "-C", 2, "st")
        self.lines = Lines(self.process.stdout)
        self.lines.wait_for(b"before", timeout=HANG)
        return self.process

    def lasting(self):
        ChannelSubscriber.lasting(self)

    def after(self):
        # Durable: one entry added after the fault must be read, once.
        self.redis.command("XADD", "st", "*", "payload", "after")
        self.lines.wait_for(b"after", timeout=HANG)
        status, err = ended(self.process)
        assert status == 0, err


class GroupConsumer(StreamTail):
    extra = ["--group", "g", "--group-start", "0", "--consumer", "c1"]

    def after(self):
        super().after()
        # Handled and acknowledged: nothing left pending.
        assert self.redis.command("XPENDING", "st", "g")[0] == 0


class LockHolder(Capability):
    tool = "statesync-lock"
    lasting_status = {75}  # the lease lost, by its give-up point

    def start(self):
        self.process = spawn(self.tool, "-p", self.port, *FAST, "--ttl", "1.5", "held", "-c",
                             "echo ready; read line", stdin=subprocess.PIPE)
        self.lines = Lines(self.process.stdout)
        self.lines.wait_for(b"ready", timeout=HANG)
        return self.process

    def lasting(self):
        status, err = ended(self.process)
        assert status in self.lasting_status, err
        one_line(err, self.tool)

    def after(self):
        # The lease must be renewed after the fault (every half second), by
        # this holder: its time to live, which only falls between renewals,
        # goes up again. (Compared with the reading before, not with the
        # first: one taken just after a renewal is already the most it can be.)
        last = [self.redis.command("PTTL", key("held"))]

        def renewed():
            now = self.redis.command("PTTL", key("held"))
            rose, last[0] = now > last[0], now
            return rose

        wait_until(lambda: self.process.poll() is not None or renewed(), "a renewal after the fault")
        try:
            self.process.stdin.write(b"done\n")
            self.process.stdin.close()
        except BrokenPipeError:
            pass  # it has ended already: its status says why
        status, err = ended(self.process)
        assert status == 0 and err == [], err  # not 75: the lease was kept
        assert self.redis.command("EXISTS", key("held")) == 0  # released


class LockSessionHolder(LockHolder):
    """LockSession, the library's lease keeper for a C++ program, driven by
    a tiny program built in tests/drivers (the public API only, with the
    default reconnect policy): the faults reach LockSession itself. Its
    invariants are the holder's: a lasting fault is a loss declared by the
    session's own clock (75), a passing one is mended and the lease kept."""
    tool = "statesync-lock-session-driver"

    def start(self):
        self.process = subprocess.Popen(
            [os.path.join(BUILD, "tests", self.tool), str(self.port), "held", "1500", "500"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
        self.lines = Lines(self.process.stdout)
        self.lines.wait_for(b"ready", timeout=HANG)
        return self.process


class LockWaiter(Capability):
    tool = "statesync-lock"
    lasting_status = {1, 69}  # not acquired by -w, or the server unavailable

    def start(self):
        # The holder talks to the server directly; only the waiter's path fails.
        self.holder = spawn(self.tool, "-p", self.redis.port, "busy", "-c", "echo ready; read line",
                            stdin=subprocess.PIPE)
        Lines(self.holder.stdout).wait_for(b"ready", timeout=HANG)
        # -w ends a lasting fault; a passing one must not outlast it.
        wait = "2" if self.fault in LASTING else "15"
        self.process = spawn(self.tool, "-p", self.port, *FAST, "-w", wait, "busy", "--", "true")
        wait_until(lambda: self.blocked_waiters() >= 1, "the waiter blocked on the lock")
        return self.process

    def blocked_waiters(self):
        return sum(1 for line in self.redis.command("CLIENT", "LIST").decode().splitlines() if "cmd=blpop" in line)

    def release_holder(self):
        try:
            self.holder.stdin.write(b"done\n")
            self.holder.stdin.close()
        except BrokenPipeError:
            pass

    def lasting(self):
        status, err = ended(self.process)
        self.release_holder()
        assert status in self.lasting_status, err
        if err:
            one_line(err, self.tool)

    def after(self):
        self.release_holder()
        status, err = ended(self.process)
        assert status == 0 and err == [], err

    def cleanup(self):
        stop(self.holder)


CAPABILITIES = {
    "one_shot_publish": OneShotPublish,
    "record_stream": RecordStream,
    "stream_writer": StreamWriter,
    "channel_subscriber": ChannelSubscriber,
    "retained_subscriber": RetainedSubscriber,
    "watch": Watcher,
    "stream_tail": StreamTail,
    "group_consumer": GroupConsumer,
    "lock_holder": LockHolder,
    "lock_waiter": LockWaiter,
    "lock_session": LockSessionHolder,
}

def cells():
    """Every cell passes: a defect found by one is fixed, not marked (the
    topology faults' matrix lists what is still open)."""
    for capability, kind in CAPABILITIES.items():
        for fault in kind.applies:
            yield pytest.param(capability, fault, id=f"{capability}-{fault}")


@pytest.mark.parametrize("capability, fault", list(cells()))
def test_fault_matrix(redis, capability, fault):
    with FaultProxy(redis.port) as proxy:
        cell = CAPABILITIES[capability](redis, proxy, fault)
        injected = Fault(fault, redis, proxy)
        process = None
        try:
            process = cell.start()
            injected.apply()
            if fault in LASTING:
                cell.lasting()
            else:
                cell.after()
        finally:
            injected.undo()
            if process is not None:
                stop(process)
            if hasattr(cell, "cleanup"):
                cell.cleanup()
