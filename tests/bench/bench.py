#!/usr/bin/env python3
"""statesync's benchmark: each statesync case against the tool a user would
use instead (redis-cli, flock), interleaved A B A B in one run on one
machine, against a redis-server of its own on a free loopback port.

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
from redis_fixture import RedisServer  # noqa: E402

SIZES = {
    # lines streamed, one-shot runs, latency rate and seconds, handoff waiters and rounds, idle wait seconds
    # retained channels and other keys for -R -P
    "tiny": dict(lines=20_000, big_lines=50_000, oneshot=5, rate=2_000, seconds=1, waiters=3, rounds=2, idle=1,
                 retained=100, other_keys=20_000),
    "full": dict(lines=1_000_000, big_lines=10_000_000, oneshot=25, rate=10_000, seconds=10, waiters=8, rounds=5,
                 idle=10, retained=1_000, other_keys=1_000_000),
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

    def close(self):
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

    # 5. Lock overhead: a whole statesync-lock run against flock(1).
    def lock_overhead(self):
        lockfile = os.path.join(self.work, "flock")
        ours, anchor = [], []
        for _ in range(self.size["oneshot"]):
            ours.append(run_measured([self.tool("statesync-lock"), "bench-overhead", "--", "true"], env=self.env())
                        .wall * 1000)
            anchor.append(run_measured(["flock", lockfile, "true"]).wall * 1000)
        self.rows.append(Row("lock + true", "ms per process", ours, anchor, "flock FILE true"))

    # 6. Lock handoff between waiters, and the CPU of a process that waits.
    def lock_handoff(self):
        log = os.path.join(self.work, "handoff.log")
        open(log, "w").close()
        waiters = self.size["waiters"]
        critical_section = os.path.join(self.build, "tests", "statesync-bench-critical-section")
        failures = []

        def contender():
            for _ in range(self.size["rounds"]):
                result = subprocess.run([self.tool("statesync-lock"), "bench-handoff", "--", critical_section, log, "20"],
                                        env=self.env(), capture_output=True, timeout=600)
                if result.returncode != 0:
                    failures.append(result.stderr.decode()[:300])

        threads = [threading.Thread(target=contender) for _ in range(waiters)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise RuntimeError(f"a lock waiter failed: {failures[0]}")
        events = []
        with open(log) as f:
            for line in f:
                kind, stamp = line.split()
                events.append((float(stamp), kind))
        events.sort()
        gaps = [(events[i + 1][0] - events[i][0]) * 1000 for i in range(len(events) - 1)
                if events[i][1] == "e" and events[i + 1][1] == "s"]
        gaps.sort()
        p50 = gaps[len(gaps) // 2]
        p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
        self.rows.append(Row(f"lock handoff, {waiters} waiters", "ms release->next start", gaps, [], "-",
                             f"p50 {p50:.2f} ms, p99 {p99:.2f} ms"))

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

    def table(self):
        header = ["case", "unit", "statesync median (min..max)", "anchor median (min..max)", "ratio", "note"]
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for row in self.rows:
            lines.append("| " + " | ".join(row.cells()) + " |")
        return "\n".join(lines)


CASES = ["stream", "oneshot", "fanin", "latency", "lock_overhead", "lock_handoff", "retained_pattern"]


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
