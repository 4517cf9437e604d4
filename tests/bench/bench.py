#!/usr/bin/env python3
"""statesync's benchmark: each statesync case against the tool a user would
use instead (redis-cli, flock, etcdctl lock), interleaved A B A B in one run
on one machine, against a redis-server (and, for the lock cases, a
single-node etcd) of its own on free loopback ports.

usage: bench.py BUILD_DIR [--size tiny|full] [--runs N] [--markdown FILE] [--only CASE ...]

Prints a table: median, min and max of each side, the ratio
statesync/anchor, and peak memory. Absolute times on shared machines are
noisy; the ratio from one run is the figure that counts. `--size tiny` is
the CI smoke test: it checks that every case runs, never a timing."""

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from redis_fixture import RedisServer, free_port  # noqa: E402

SIZES = {
    # lines streamed, one-shot runs, latency rate and seconds, handoff waiters and rounds, idle wait seconds
    # retained channels and other keys for -R -P; watched keys
    "tiny": dict(lines=20_000, big_lines=50_000, oneshot=5, rate=2_000, seconds=1, waiters=3, rounds=2, idle=1,
                 retained=100, other_keys=20_000, keys=1_000),
    "full": dict(lines=1_000_000, big_lines=10_000_000, oneshot=25, rate=10_000, seconds=10, waiters=8, rounds=5,
                 idle=10, retained=1_000, other_keys=1_000_000, keys=10_000),
}


# Writes `total` lines at `rate` per second, each its send time in
# nanoseconds on the monotonic clock, unbuffered.
FEEDER = """
import os, sys, time
rate, total = int(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
for i in range(total):
    delay = start + i / rate - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    os.write(1, b"%d\\n" % time.perf_counter_ns())
"""


# How statesync-sub -R -P found the states before the index of retained
# channels: KEYS over the whole database (the anchor of retained_pattern).
KEYS_SCAN = """
local skip = #ARGV[1] + 1
local keys = redis.call('KEYS', ARGV[2] .. ARGV[3])
table.sort(keys)
local states = {}
for _, key in ipairs(keys) do
  if redis.call('TYPE', key).ok == 'hash' then
    local state = redis.call('HMGET', key, 'payload', 'version')
    if state[1] then
      states[#states + 1] = {string.sub(key, skip), state[1], state[2]}
    end
  end
end
return states
"""


# SETs one key `total` times at `rate` per second, each value its send time
# in nanoseconds on the monotonic clock, then to "end".
SETTER = """
import socket, sys, time
port, key, rate, total = int(sys.argv[1]), sys.argv[2].encode(), int(sys.argv[3]), int(sys.argv[4])
s = socket.create_connection(("127.0.0.1", port))
def set_to(value):
    s.sendall(b"*3\\r\\n$3\\r\\nSET\\r\\n$%d\\r\\n%s\\r\\n$%d\\r\\n%s\\r\\n" % (len(key), key, len(value), value))
    reply = b""
    while not reply.endswith(b"\\r\\n"):
        reply += s.recv(16)
start = time.perf_counter()
for i in range(total):
    delay = start + i / rate - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    set_to(b"%d" % time.perf_counter_ns())
set_to(b"end")
"""


class Measured:
    """One process run: wall time, CPU time and peak RSS from wait4()."""

    def __init__(self, wall, cpu, max_rss_kib, status):
        self.wall, self.cpu, self.max_rss_kib, self.status = wall, cpu, max_rss_kib, status


def run_measured(argv, stdin=None, stdout=subprocess.DEVNULL, env=None):
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: {proc.stderr.read().decode()[:300]}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode)


def wait_usage(proc):
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


class Row:
    def __init__(self, case, unit, ours, anchor, anchor_name, note="", better="lower"):
        self.case, self.unit, self.ours, self.anchor = case, unit, ours, anchor
        self.anchor_name, self.note, self.better = anchor_name, note, better

    def cells(self):
        def stats(values):
            if not values:
                return "-"
            return f"{statistics.median(values):.4g} ({min(values):.4g}..{max(values):.4g})"
        ratio = "-"
        if self.ours and self.anchor:
            ratio = f"{statistics.median(self.ours) / statistics.median(self.anchor):.2f}"
        return [self.case, self.unit, stats(self.ours), f"{self.anchor_name}: {stats(self.anchor)}", ratio, self.note]


def handoff_gaps(log):
    """Milliseconds from each critical section's end ("e") to the next
    one's start ("s"), sorted."""
    events = []
    with open(log) as f:
        for line in f:
            kind, stamp = line.split()
            events.append((float(stamp), kind))
    events.sort()
    return sorted((events[i + 1][0] - events[i][0]) * 1000 for i in range(len(events) - 1)
                  if events[i][1] == "e" and events[i + 1][1] == "s")


class Etcd:
    """A single-node etcd on free loopback ports, for `etcdctl lock`: the
    distributed lock users compare statesync-lock with."""

    def __init__(self, workdir):
        self.client_url = f"http://127.0.0.1:{free_port()}"
        peer_url = f"http://127.0.0.1:{free_port()}"
        self.log = open(os.path.join(workdir, "etcd.log"), "wb")
        self.process = subprocess.Popen(
            ["etcd", "--name", "bench", "--data-dir", os.path.join(workdir, "etcd"),
             "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
             "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
             "--initial-cluster", f"bench={peer_url}"], stdout=self.log, stderr=self.log)
        for _ in range(500):
            if self.process.poll() is not None:
                raise RuntimeError("etcd exited at start; see etcd.log")
            if subprocess.run(self.ctl("endpoint", "health"), capture_output=True).returncode == 0:
                return
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("etcd did not become healthy")

    def ctl(self, *args):
        return ["etcdctl", "--endpoints", self.client_url, *args]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait()
        self.log.close()


class Bench:
    def __init__(self, build, size, runs):
        self.build = build
        self.tools = os.path.join(build, "tools")
        self.size = SIZES[size]
        self.runs = runs
        self.work = tempfile.mkdtemp(prefix="statesync-bench-")
        self.server = RedisServer(self.work).start()
        self.url = self.server.url
        self.rows = []
        self._etcd = None

    def etcd(self):
        if self._etcd is None:
            self._etcd = Etcd(self.work)
        return self._etcd

    def close(self):
        if self._etcd is not None:
            self._etcd.stop()
        self.server.cleanup()
        shutil.rmtree(self.work, ignore_errors=True)

    def tool(self, name):
        return os.path.join(self.tools, name)

    def env(self):
        env = dict(os.environ)
        env["STATESYNC_URL"] = self.url
        return env

    # 1. Stream: statesync-pub -l against redis-cli --pipe fed pre-encoded PUBLISH commands.
    def stream(self):
        n = self.size["lines"]
        lines = os.path.join(self.work, "lines.txt")
        encoded = os.path.join(self.work, "lines.resp")
        with open(lines, "wb") as plain, open(encoded, "wb") as resp:
            for i in range(n):
                payload = b"event %d" % i
                plain.write(payload + b"\n")
                resp.write(b"*3\r\n$7\r\nPUBLISH\r\n$6\r\nstream\r\n$%d\r\n%s\r\n" % (len(payload), payload))
        ours, anchor, rss = [], [], []
        for _ in range(self.runs):
            with open(lines, "rb") as f:
                m = run_measured([self.tool("statesync-pub"), "-l", "stream"], stdin=f, env=self.env())
            ours.append(n / m.wall)
            rss.append(m.max_rss_kib)
            with open(encoded, "rb") as f:
                m = run_measured(["redis-cli", "-p", str(self.server.port), "--pipe"], stdin=f)
            anchor.append(n / m.wall)
        self.rows.append(Row(f"stream {n:,} lines", "msgs/s (higher is better)", ours, anchor,
                             "redis-cli --pipe", f"peak RSS {max(rss) / 1024:.1f} MiB", better="higher"))
        # Memory stays flat with ten times the input (generated on the fly).
        big = self.size["big_lines"]
        generator = subprocess.Popen(["seq", "-f", "event %.0f", "1", str(big)], stdout=subprocess.PIPE)
        m = run_measured([self.tool("statesync-pub"), "-l", "stream"], stdin=generator.stdout, env=self.env())
        generator.wait()
        self.rows.append(Row(f"stream {big:,} lines", "s", [m.wall], [], "-",
                             f"peak RSS {m.max_rss_kib / 1024:.1f} MiB"))

    # 2. One shot: the whole process, as a script calling it in a loop pays.
    def oneshot(self):
        ours, anchor = [], []
        for _ in range(self.size["oneshot"]):
            ours.append(run_measured([self.tool("statesync-pub"), "ch", "msg"], env=self.env()).wall * 1000)
            anchor.append(run_measured(["redis-cli", "-p", str(self.server.port), "PUBLISH", "ch", "msg"]).wall * 1000)
        self.rows.append(Row("one-shot publish", "ms per process", ours, anchor, "redis-cli PUBLISH"))

    def wait_subscribers(self, channel, count):
        for _ in range(100_000):
            if self.server.command("PUBSUB", "NUMSUB", channel)[1] >= count:
                return
        raise RuntimeError("subscriber did not show up")

    def drained(self, name_prefix):
        """True when the server holds no more output for those clients."""
        clients = self.server.command("CLIENT", "LIST", "TYPE", "pubsub").decode()
        for line in clients.splitlines():
            fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
            if fields.get("name", "").startswith(name_prefix) or name_prefix == "*":
                if fields.get("omem", "0") != "0":
                    return False
        return True

    # 3. Fan-in: a subscriber's CPU while the stream runs at full speed.
    def fanin(self):
        n = self.size["lines"]
        lines = os.path.join(self.work, "lines.txt")
        ours, anchor = [], []
        for _ in range(self.runs):
            sub = subprocess.Popen([self.tool("statesync-sub"), "-C", str(n), "fanin"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=self.env())
            self.wait_subscribers("fanin", 1)
            with open(lines, "rb") as f:
                run_measured([self.tool("statesync-pub"), "-l", "fanin"], stdin=f, env=self.env())
            usage = wait_usage(sub)
            if sub.returncode != 0:
                raise RuntimeError(f"statesync-sub exited {sub.returncode}: {sub.stderr.read().decode()[:300]}")
            ours.append(usage.ru_utime + usage.ru_stime)

            cli = subprocess.Popen(["redis-cli", "-p", str(self.server.port), "SUBSCRIBE", "fanin"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.wait_subscribers("fanin", 1)
            with open(lines, "rb") as f:
                run_measured([self.tool("statesync-pub"), "-l", "fanin"], stdin=f, env=self.env())
            for _ in range(1_000_000):
                if self.drained("*"):
                    break
            cli.send_signal(signal.SIGTERM)
            usage = wait_usage(cli)
            anchor.append(usage.ru_utime + usage.ru_stime)
        self.rows.append(Row(f"fan-in {n:,} msgs", "subscriber CPU s", ours, anchor, "redis-cli SUBSCRIBE",
                             "all received, none dropped (statesync-sub -C N exited 0)"))

    # 4. End-to-end latency: publish at a fixed rate, time to the subscriber's printed line.
    def latency(self):
        rate, seconds = self.size["rate"], self.size["seconds"]
        total = rate * seconds
        sub = subprocess.Popen([self.tool("statesync-sub"), "-C", str(total), "latency"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=self.env(), bufsize=0)
        self.wait_subscribers("latency", 1)
        # The feeder is a process of its own (no lock shared with the reader
        # here): it writes each line's send time, on the monotonic clock that
        # all processes share, straight into statesync-pub's standard input.
        feeder = subprocess.Popen([sys.executable, "-c", FEEDER, str(rate), str(total)], stdout=subprocess.PIPE)
        pub = subprocess.Popen([self.tool("statesync-pub"), "-l", "latency"], stdin=feeder.stdout,
                               stderr=subprocess.PIPE, env=self.env())
        feeder.stdout.close()
        delays = []
        buffer = b""
        while len(delays) < total:
            chunk = sub.stdout.read(65536)
            if not chunk:
                break
            now = time.perf_counter_ns()
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            delays.extend((now - int(line)) / 1e6 for line in complete)
        for proc in (feeder, pub, sub):
            proc.wait(timeout=60)
        delays.sort()
        p50 = delays[len(delays) // 2]
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        self.rows.append(Row(f"latency at {rate:,}/s for {seconds}s", "ms publish->printed", [p50], [], "-",
                             f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, {len(delays):,} messages"))

    # 5. Lock overhead: a whole statesync-lock run against flock(1) and
    # etcdctl lock; the run history (on by default) against --history-len 0,
    # which goes first every other round. etcd is measured in a loop of its
    # own: its work after each run (the WAL's fsync) would otherwise fall on
    # the next case's run.
    def lock_overhead(self):
        lockfile = os.path.join(self.work, "flock")
        history_on = [self.tool("statesync-lock"), "bench-overhead", "--", "true"]
        history_off = [self.tool("statesync-lock"), "--history-len", "0", "bench-plain", "--", "true"]
        ours, no_history, anchor = [], [], []
        for i in range(self.size["oneshot"]):
            pair = [(ours, history_on), (no_history, history_off)]
            for values, argv in pair if i % 2 == 0 else pair[::-1]:
                values.append(run_measured(argv, env=self.env()).wall * 1000)
            anchor.append(run_measured(["flock", lockfile, "true"]).wall * 1000)
        self.rows.append(Row("lock + true", "ms per process", ours, anchor, "flock FILE true"))
        self.rows.append(Row("lock + true, history on", "ms per process", ours, no_history, "--history-len 0",
                             "the run history's cost (target: ratio <= 1.10)"))
        etcd = self.etcd()
        ours, etcd_times = [], []
        for _ in range(self.size["oneshot"]):
            ours.append(run_measured(history_on, env=self.env()).wall * 1000)
            etcd_times.append(run_measured(etcd.ctl("lock", "bench-overhead", "true")).wall * 1000)
        self.rows.append(Row("lock + true", "ms per process", ours, etcd_times, "etcdctl lock NAME true"))

    # 6. Lock handoff between waiters, and the CPU of a process that waits.
    def lock_handoff(self):
        waiters = self.size["waiters"]
        critical_section = os.path.join(self.build, "tests", "statesync-bench-critical-section")
        gaps = self.handoff_gaps("handoff.log", lambda log: [self.tool("statesync-lock"), "bench-handoff", "--",
                                                             critical_section, log, "20"])
        # The same through `etcdctl lock`, whose waiters watch the key ahead of them.
        etcd_gaps = self.handoff_gaps("etcd-handoff.log",
                                      lambda log: self.etcd().ctl("lock", "bench-handoff", critical_section, log, "20"))
        p50 = gaps[len(gaps) // 2]
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        self.rows.append(Row(f"lock handoff, {waiters} waiters", "ms release->next start", gaps, etcd_gaps,
                             "etcdctl lock", f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"))

        idle = self.size["idle"]
        holder = subprocess.Popen([self.tool("statesync-lock"), "bench-idle", "--", "sleep", str(idle + 30)],
                                  env=self.env())
        for _ in range(100_000):
            if self.server.command("KEYS", "*bench-idle*"):
                break
        waiter = subprocess.Popen([self.tool("statesync-lock"), "-w", str(idle), "bench-idle", "--", "true"],
                                  env=self.env(), stderr=subprocess.DEVNULL)
        usage = wait_usage(waiter)
        holder.kill()
        holder.wait()
        cpu = usage.ru_utime + usage.ru_stime
        self.rows.append(Row(f"waiting {idle}s for a held lock", "% of a core", [100 * cpu / idle], [], "-",
                             f"exit {waiter.returncode} (1: not acquired in time)"))

    # 7. statesync-sub -R -P in a big database: the longest command the
    # server ran (SLOWLOG, every command logged), against the KEYS scan.
    def retained_pattern(self):
        retained, other = self.size["retained"], self.size["other_keys"]
        self.server.command("FLUSHALL")
        self.server.command("DEBUG", "POPULATE", other, "other")
        records = b"".join(b"cfg.%d state-%d\n" % (i, i) for i in range(retained))
        subprocess.run([self.tool("statesync-pub"), "-r", "-l", "--channel-field", " "], input=records,
                       env=self.env(), check=True, stdout=subprocess.DEVNULL)
        self.server.command("CONFIG", "SET", "slowlog-log-slower-than", "0")
        self.server.command("CONFIG", "SET", "slowlog-max-len", "1000")

        def longest_ms(action):
            self.server.command("SLOWLOG", "RESET")
            action()
            entries = self.server.command("SLOWLOG", "GET", "1000")
            return max(entry[2] for entry in entries) / 1000.0

        def subscribe():
            result = subprocess.run([self.tool("statesync-sub"), "-R", "-P", "-C", str(retained), "cfg.*"],
                                    env=self.env(), capture_output=True, timeout=600)
            if result.returncode != 0 or result.stdout.count(b"\n") != retained:
                raise RuntimeError(f"statesync-sub -R -P failed: {result.stderr.decode()[:300]}")

        def keys_scan():
            self.server.command("EVAL", KEYS_SCAN, "0", "statesync:state:", "statesync:state:", "cfg.*")

        keys = self.server.command("DBSIZE")
        ours, anchor = [], []
        for _ in range(self.runs):
            ours.append(longest_ms(subscribe))
            anchor.append(longest_ms(keys_scan))
        self.server.command("CONFIG", "SET", "slowlog-log-slower-than", "10000")
        self.server.command("FLUSHALL")
        self.rows.append(Row(f"-R -P, {retained:,} retained in {keys:,} keys",
                             "ms longest server command", ours, anchor, "KEYS scan (before the index)",
                             f"target < 5 ms; max {max(ours):.2f} ms"))

    # 8. Watching a key: change -> printed line, one key written at a fixed rate.
    def watch_latency(self):
        rate, seconds = self.size["rate"], self.size["seconds"]
        total = rate * seconds
        self.server.command("SET", "watched", "start")
        watch = subprocess.Popen([self.tool("statesync-sub"), "--watch", "watched"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=self.env(), bufsize=0)
        buffer = b""
        while b"start\n" not in buffer:  # the first value: the key is tracked
            buffer += watch.stdout.read(64)
        setter = subprocess.Popen([sys.executable, "-c", SETTER, str(self.server.port), "watched", str(rate),
                                   str(total)])
        delays = []
        buffer = b""
        done = False
        while not done:
            chunk = watch.stdout.read(65536)
            if not chunk:
                break
            now = time.perf_counter_ns()
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            for line in complete:
                if line == b"end":
                    done = True
                elif line != b"start":
                    delays.append((now - int(line)) / 1e6)
        setter.wait(timeout=60)
        watch.terminate()
        watch.wait(timeout=60)
        delays.sort()
        p50 = delays[len(delays) // 2]
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
        self.rows.append(Row(f"watch: key set {rate:,}/s for {seconds}s", "ms change->printed", [p50], [], "-",
                             f"p50 {p50:.3f} ms, p99 {p99:.3f} ms, {len(delays):,} of {total:,} changes printed "
                             "(the rest coalesced)"))

    # 9. Watching many keys: time to print every initial value, against
    # reading them with redis-cli MGET in batches of 1,000.
    def watch_keys(self):
        n = self.size["keys"]
        keys = [f"wk:{i}" for i in range(n)]
        with self.server.client() as c:
            for start in range(0, n, 1000):
                args = []
                for key in keys[start:start + 1000]:
                    args += [key, f"value of {key}"]
                c.command("MSET", *args)
        batches = "".join("MGET " + " ".join(keys[i:i + 1000]) + "\n" for i in range(0, n, 1000)).encode()
        mget_input = os.path.join(self.work, "mget.txt")
        with open(mget_input, "wb") as f:
            f.write(batches)
        ours, anchor, rss = [], [], []
        for _ in range(self.runs):
            m = run_measured([self.tool("statesync-sub"), "--watch", "-C", str(n), *keys], env=self.env())
            ours.append(m.wall * 1000)
            rss.append(m.max_rss_kib)
            with open(mget_input, "rb") as f:
                anchor.append(run_measured(["redis-cli", "-p", str(self.server.port)], stdin=f).wall * 1000)
        self.rows.append(Row(f"watch {n:,} keys: initial values", "ms", ours, anchor, "redis-cli MGET x1000",
                             f"peak RSS {max(rss) / 1024:.1f} MiB"))

    # 10. Streams: XADD pipelined against redis-cli --pipe sending the same
    # XADDs; peak RSS; a dump's CPU against redis-cli reading the same
    # entries by XRANGE in batches of 1,000; a group consumer's rate.
    def streams(self):
        n = self.size["lines"]
        lines = os.path.join(self.work, "stream-lines.txt")
        encoded = os.path.join(self.work, "stream-lines.resp")
        ranges = os.path.join(self.work, "stream-ranges.txt")
        with open(lines, "wb") as plain, open(encoded, "wb") as resp, open(ranges, "wb") as batches:
            for i in range(n):
                payload = b"event %d" % i
                plain.write(payload + b"\n")
                entry_id = b"%d-0" % (i + 1)
                resp.write(b"*5\r\n$4\r\nXADD\r\n$2\r\nxs\r\n$%d\r\n%s\r\n$7\r\npayload\r\n$%d\r\n%s\r\n"
                           % (len(entry_id), entry_id, len(payload), payload))
            for first in range(1, n + 1, 1000):
                batches.write(b"XRANGE xs %d %d\n" % (first, min(n, first + 999)))
        ours, anchor, rss = [], [], []
        for _ in range(self.runs):
            self.server.command("DEL", "xs")
            with open(lines, "rb") as f:
                m = run_measured([self.tool("statesync-pub"), "--stream", "-l", "xs"], stdin=f, env=self.env())
            ours.append(n / m.wall)
            rss.append(m.max_rss_kib)
            self.server.command("DEL", "xs")
            with open(encoded, "rb") as f:
                m = run_measured(["redis-cli", "-p", str(self.server.port), "--pipe"], stdin=f)
            anchor.append(n / m.wall)
        self.rows.append(Row(f"stream XADD {n:,} lines", "entries/s (higher is better)", ours, anchor,
                             "redis-cli --pipe", f"peak RSS {max(rss) / 1024:.1f} MiB", better="higher"))
        # The stream now holds entries 1-0 .. n-0, as the anchor wrote them.
        ours, anchor = [], []
        for _ in range(self.runs):
            m = run_measured([self.tool("statesync-sub"), "--stream", "--from", "0", "-e", "xs"], env=self.env())
            ours.append(m.cpu)
            with open(ranges, "rb") as f:
                m = run_measured(["redis-cli", "-p", str(self.server.port)], stdin=f)
            anchor.append(m.cpu)
        self.rows.append(Row(f"stream dump {n:,} entries", "reader CPU s", ours, anchor,
                             "redis-cli XRANGE x1000", "statesync-sub --stream --from 0 -e"))
        rates = []
        for run in range(self.runs):
            m = run_measured([self.tool("statesync-sub"), "--stream", "--group", f"bench{run}", "--group-start", "0",
                              "-e", "xs"], env=self.env())
            rates.append(n / m.wall)
        self.rows.append(Row(f"stream group {n:,} entries", "entries/s acknowledged", rates, [], "-",
                             "one consumer, XACK after output"))
        self.server.command("DEL", "xs")
        big = self.size["big_lines"]
        generator = subprocess.Popen(["seq", "-f", "event %.0f", "1", str(big)], stdout=subprocess.PIPE)
        m = run_measured([self.tool("statesync-pub"), "--stream", "--maxlen", str(n), "-l", "xs"],
                         stdin=generator.stdout, env=self.env())
        generator.wait()
        self.server.command("DEL", "xs")
        self.rows.append(Row(f"stream XADD {big:,} lines", "s", [m.wall], [], "-",
                             f"peak RSS {m.max_rss_kib / 1024:.1f} MiB (--maxlen ~{n:,})"))

    # Waiters that each take the lock `rounds` times to run the critical
    # section, which logs its start and end: the gaps between one end and
    # the next start.
    def handoff_gaps(self, log_name, argv_for):
        log = os.path.join(self.work, log_name)
        open(log, "w").close()
        argv = argv_for(log)
        failures = []

        def contender():
            for _ in range(self.size["rounds"]):
                result = subprocess.run(argv, env=self.env(), capture_output=True, timeout=600)
                if result.returncode != 0:
                    failures.append(result.stderr.decode()[:300])

        threads = [threading.Thread(target=contender) for _ in range(self.size["waiters"])]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise RuntimeError(f"a lock waiter ({argv[0]}) failed: {failures[0]}")
        return handoff_gaps(log)

    # Request to reply with one responder: statesync-pub --request (and
    # statesync-sub --reply ... --exec -- cat) against mosquitto_rr with a
    # mosquitto broker and a `mosquitto_sub | mosquitto_pub -l` responder;
    # then statesync's own figure for 20 responders. Each is a whole run
    # of the requesting process, as a script pays for it.
    def request_reply(self):
        from test_sub_mosquitto import Broker  # the broker the mosquitto_sub test starts

        runs = self.size["oneshot"]
        broker = Broker(self.work)
        responders = []
        try:
            def responder(host):
                ready = os.path.join(self.work, f"{host}.ready")
                env = self.env()
                env["STATESYNC_HOSTNAME"] = host
                responders.append(subprocess.Popen([self.tool("statesync-sub"), "--reply", "--ready-file", ready, "rr",
                                                    "--exec", "--", "cat"], env=env, stdout=subprocess.DEVNULL))
                for _ in range(10_000):
                    if os.path.exists(ready):
                        return
                    time.sleep(0.001)
                raise RuntimeError("statesync-sub --reply did not subscribe")

            responder("host0")
            theirs = subprocess.Popen(["mosquitto_sub", "-p", str(broker.port), "-i", "rr-responder", "-t", "rr/request"],
                                      stdout=subprocess.PIPE)
            responders.append(theirs)
            responders.append(subprocess.Popen(["mosquitto_pub", "-p", str(broker.port), "-t", "rr/reply", "-l"],
                                               stdin=theirs.stdout))
            theirs.stdout.close()
            broker.wait_subscribed(["rr-responder"])
            ask = [self.tool("statesync-pub"), "--request", "rr", "ping"]
            ask_mqtt = ["mosquitto_rr", "-p", str(broker.port), "-t", "rr/request", "-e", "rr/reply", "-m", "ping",
                        "-W", "10"]
            ours, anchor = [], []
            for _ in range(runs):
                ours.append(run_measured(ask, env=self.env()).wall * 1000)
                anchor.append(run_measured(ask_mqtt).wall * 1000)
            self.rows.append(Row("request to reply, 1 responder", "ms per request run", ours, anchor, "mosquitto_rr",
                                 "responders: statesync-sub --reply --exec -- cat; "
                                 "mosquitto_sub piped to mosquitto_pub -l"))
            for n in range(1, 20):
                responder(f"host{n}")
            ours = [run_measured(ask, env=self.env()).wall * 1000 for _ in range(runs)]
            self.rows.append(Row("request to 20 replies", "ms per request run", ours, [], "-",
                                 "20 statesync-sub --reply responders, exit on the 20th reply"))
        finally:
            for proc in responders:
                proc.terminate()
                proc.wait()
            broker.stop()

    def table(self):
        header = ["case", "unit", "statesync median (min..max)", "anchor median (min..max)", "ratio", "note"]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            lines.append("| " + " | ".join(row.cells()) + " |")
        return "\n".join(lines)



CASES = ["stream", "oneshot", "fanin", "latency", "lock_overhead", "lock_handoff", "retained_pattern", "watch_latency",
         "watch_keys", "streams", "request_reply"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--markdown")
    # Some cases only, to look at one while working on it (fan-in reads the
    # stream case's input file, so it needs "stream" too).
    parser.add_argument("--only", nargs="+", choices=CASES, default=CASES)
    args = parser.parse_args()
    bench = Bench(os.path.abspath(args.build), args.size, args.runs)
    try:
        for case in CASES:
            if case in args.only:
                getattr(bench, case)()
    finally:
        bench.close()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    text = f"statesync benchmark ({args.size}, {args.runs} interleaved runs) on {machine}\n\n{bench.table()}\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
