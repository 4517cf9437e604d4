"""Request and reply: statesync-pub --request asks the responders of a
channel (statesync-sub --reply ... --exec) and waits for exactly as many
replies as the server delivered the request to, naming the silent ones
from their presence entries. Real servers, real responder processes, each
with a host name of its own (STATESYNC_HOSTNAME)."""

import base64
import json
import os
import signal
import subprocess

import pytest

from cluster_fixture import Cluster, SentinelGroup, wait_until
from conftest import clean_env, run, tool_path


class Fleet:
    """Responders started with --ready-fd: each is subscribed (and its
    presence entry written) once start() returns. Stopped at the end."""

    def __init__(self):
        self.procs = {}

    def start(self, url_args, channel, host, command, *extra):
        read_end, write_end = os.pipe()
        proc = subprocess.Popen(
            [tool_path("statesync-sub"), *map(str, url_args), "--reply", "--ready-fd", str(write_end), *map(str, extra),
             channel, "--exec", "--", *command],
            pass_fds=[write_end], env=clean_env({"STATESYNC_HOSTNAME": host}),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(write_end)
        try:
            ready = os.read(read_end, 1)  # EOF: subscribed
        finally:
            os.close(read_end)
        assert ready == b"" and proc.poll() is None, proc.stderr.read() if proc.poll() is not None else ""
        self.procs[host] = proc
        return proc

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.kill()
            proc.wait()


@pytest.fixture
def fleet():
    f = Fleet()
    yield f
    f.stop()


def request(url_args, *args, input=None, timeout=90):
    return run("statesync-pub", *url_args, "--request", *args, input=input, timeout=timeout)


def replies(out):
    return [json.loads(line) for line in out.decode().splitlines()]


def test_twenty_responders_all_answer_and_the_requester_exits_on_the_twentieth(redis, fleet):
    url = ["-p", redis.port]
    for n in range(20):
        fleet.start(url, "fleet", f"host{n:02}", ["cat"])
    # A -W far beyond the test's own limit: an exit 0 here came from the
    # twentieth reply, not from -W running out.
    done = request(url, "-W", 600, "--json", "fleet", "ping", timeout=60)
    assert done.returncode == 0, done.stderr
    got = replies(done.stdout)
    assert sorted(r["host"] for r in got) == [f"host{n:02}" for n in range(20)]
    assert {r["payload"] for r in got} == {"ping"}
    assert {r["status"] for r in got} == {0}
    assert all(r["latency_ms"] >= 0 and r["channel"] == "fleet" for r in got)


def test_stopped_responders_are_named_and_the_exit_status_is_1(redis, fleet):
    url = ["-p", redis.port]
    for n in range(6):
        fleet.start(url, "fleet", f"h{n}", ["cat"])
    for n in (1, 3, 4):
        fleet.procs[f"h{n}"].send_signal(signal.SIGSTOP)
    done = request(url, "-W", 2, "-F", "%h", "fleet", "ping")
    assert done.returncode == 1
    assert sorted(done.stdout.decode().split()) == ["h0", "h2", "h5"]
    assert done.stderr.decode() == "statesync-pub: 3 of 6 answered on 'fleet'; silent: h1, h3, h4\n"


def test_a_failing_command_replies_with_its_status(redis, fleet):
    url = ["-p", redis.port]
    fleet.start(url, "jobs", "good", ["cat"])
    fleet.start(url, "jobs", "bad", ["sh", "-c", "cat >/dev/null; printf broken; exit 3"])
    done = request(url, "-F", "%h %s %p", "jobs", "x")
    assert done.returncode == 0, done.stderr  # both answered
    assert sorted(done.stdout.decode().splitlines()) == ["bad 3 broken", "good 0 x"]
    strict = request(url, "--require-all", "-F", "%h %s", "jobs", "x")
    assert strict.returncode == 1
    assert sorted(strict.stdout.decode().splitlines()) == ["bad 3", "good 0"]
    assert strict.stderr.decode() == "statesync-pub: 1 of 2 failed on 'jobs': bad (status 3)\n"


def test_a_command_past_reply_timeout_replies_timeout(redis, fleet):
    url = ["-p", redis.port]
    fleet.start(url, "slow", "s1", ["sh", "-c", "exec sleep 60"], "--reply-timeout", "0.5")
    done = request(url, "-W", 30, "--json", "slow", "x")
    assert done.returncode == 0, done.stderr
    [reply] = replies(done.stdout)
    assert reply["host"] == "s1" and reply["timed_out"] is True and reply["status"] is None


def test_the_command_gets_the_payload_and_the_request_id(redis, fleet, tmp_path):
    url = ["-p", redis.port]
    fleet.start(url, "env", "e1", ["sh", "-c", "printf '%s|%s|' \"$STATESYNC_CHANNEL\" \"$STATESYNC_REQUEST_ID\"; cat"])
    done = request(url, "-v", "env", "body")
    assert done.returncode == 0, done.stderr
    host, rest = done.stdout.decode().split(" ", 1)
    channel, request_id, payload = rest.split("|")
    assert (host, channel, payload) == ("e1", "env", "body\n")
    assert len(request_id) == 32 and f"request {request_id} reached 1 receiver" in done.stderr.decode()


@pytest.mark.parametrize("payload", [bytes(range(256)), b"\0", b"a\0b\nc\r\n", b"\n\n", b""],
                         ids=["all-bytes", "nul", "mixed", "newlines", "empty"])
def test_hostile_payloads_round_trip_byte_for_byte(redis, fleet, payload):
    url = ["-p", redis.port]
    fleet.start(url, "bytes", "b1", ["cat"])
    fleet.start(url, "bytes", "b2", ["cat"])
    done = request(url, "-x", "-F", "%b", "bytes", input=payload)
    assert done.returncode == 0, done.stderr
    assert [base64.b64decode(line) for line in done.stdout.split(b"\n")[:-1]] == [payload, payload]


def test_ten_megabytes_with_one_responder_round_trip(redis, fleet):
    url = ["-p", redis.port]
    fleet.start(url, "big", "big1", ["cat"])
    payload = os.urandom(10 * 1024 * 1024)
    done = request(url, "-x", "-W", 60, "-F", "%b", "big", input=payload)
    assert done.returncode == 0, done.stderr
    assert base64.b64decode(done.stdout.rstrip(b"\n")) == payload


def test_each_line_is_a_request(redis, fleet):
    url = ["-p", redis.port]
    fleet.start(url, "lines", "l1", ["tr", "a-z", "A-Z"])
    done = request(url, "-l", "--timeout-each", 10, "lines", input=b"one\ntwo\nthree\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == b"ONE\nTWO\nTHREE\n"


def test_timeout_each_bounds_each_request_of_many(redis, fleet):
    url = ["-p", redis.port]
    # "slow" is never answered in time; "fast" is, by a second worker.
    fleet.start(url, "each", "e1", ["sh", "-c", 'read x; [ "$x" = slow ] && exec sleep 30; echo "$x"'],
                "--reply-parallel", 2, "--reply-timeout", 30)
    # -W far beyond the test's own limit: only --timeout-each can end the first request in time.
    done = request(url, "-l", "-W", 600, "--timeout-each", 1, "each", input=b"slow\nfast\n", timeout=30)
    assert done.returncode == 1
    assert done.stdout == b"fast\n\n"
    assert done.stderr.decode() == "statesync-pub: 0 of 1 answered on 'each'; silent: e1\n"


def test_reply_parallel_runs_commands_at_once(redis, fleet, tmp_path):
    url = ["-p", redis.port]
    started = tmp_path / "started"
    started.mkdir()
    # Each command waits (bounded) until two have started: one at a time,
    # neither would ever answer.
    rendezvous = (f'touch {started}/$STATESYNC_REQUEST_ID; i=0; '
                  f'while [ "$(ls {started} | wc -l)" -lt 2 ] && [ $i -lt 3000 ]; do i=$((i+1)); sleep 0.01; done; '
                  f'ls {started} | wc -l')
    fleet.start(url, "par", "p1", ["sh", "-c", rendezvous], "--reply-parallel", 2)
    both = [subprocess.Popen([tool_path("statesync-pub"), "-p", str(redis.port), "--request", "-W", "20", "par", "x"],
                             env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in both]
    assert [(rc, out) for rc, out, _ in results] == [(0, b"2\n\n"), (0, b"2\n\n")], results


def test_a_request_whose_requester_has_gone_is_dropped(redis, fleet, tmp_path):
    url = ["-p", redis.port]
    ran = tmp_path / "ran"
    fleet.start(url, "gone", "g1", ["sh", "-c", f"cat >> {ran}; echo >> {ran}"])
    # A request whose reply channel has no subscriber: its requester is gone.
    redis.command("PUBLISH", "gone", b"statesync-request/1\n" + b"0" * 32 + b"\nstatesync:reply:{x}:nobody\nold")
    done = request(url, "gone", "new")
    assert done.returncode == 0, done.stderr
    # Requests are handled in order: had the first one run, it would be here.
    assert ran.read_bytes() == b"new\n"


def test_a_responder_restarted_mid_request_counts_as_silent(redis, fleet, tmp_path):
    url = ["-p", redis.port]
    started = tmp_path / "started"
    first = fleet.start(url, "restart", "r1", ["sh", "-c", f"cat > /dev/null; touch {started}; exec sleep 60"])
    asking = subprocess.Popen([tool_path("statesync-pub"), "-p", str(redis.port), "--request", "-W", "3", "restart",
                               "x"], env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(started.exists, "the command to start")
        first.kill()
        first.wait()
        fleet.start(url, "restart", "r1", ["cat"])  # the same host, a new process
        out, err = asking.communicate(timeout=60)
    finally:
        if asking.poll() is None:
            asking.kill()
            asking.wait()
    assert asking.returncode == 1
    assert out == b""
    assert err.decode() == "statesync-pub: 0 of 1 answered on 'restart'; silent: r1\n"


def test_no_responder_is_exit_1(redis):
    done = request(["-p", redis.port], "-W", 1, "nobody", "x")
    assert done.returncode == 1
    assert done.stderr.decode() == "statesync-pub: no responder received the request on 'nobody'\n"


def test_replies_0_collects_until_wait(redis, fleet):
    url = ["-p", redis.port]
    fleet.start(url, "all", "a1", ["cat"])
    done = request(url, "--replies", 0, "-W", 1, "-F", "%h", "all", "x")
    assert (done.returncode, done.stdout) == (0, b"a1\n"), done.stderr


@pytest.mark.parametrize("args", [
    ["statesync-pub", "-W", "1", "ch", "x"],
    ["statesync-pub", "--request", "-r", "ch", "x"],
    ["statesync-pub", "--request", "-F", "%q", "ch", "x"],
    ["statesync-pub", "--request", "--timeout-each", "1", "ch", "x"],
    ["statesync-sub", "--reply", "ch"],
    ["statesync-sub", "--reply", "-P", "ch", "--exec", "--", "cat"],
    ["statesync-sub", "--reply-timeout", "1", "ch"],
])
def test_options_that_do_not_fit_are_refused_with_64(args):
    done = run(args[0], *args[1:])
    assert done.returncode == 64
    assert done.stderr.startswith(args[0].encode() + b": ") and done.stderr.count(b"\n") == 1


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3).start()
    yield c
    c.cleanup()


def test_sharded_request_in_a_cluster(cluster, fleet):
    # Responders connected through different nodes: each subscribes at the
    # channel's slot owner, where the request is published.
    for n, node in enumerate(cluster.masters()):
        fleet.start(["--cluster", "-u", node.url, "--sharded"], "svc", f"c{n}", ["cat"])
    done = request(["--cluster", "-u", cluster.masters()[1].url, "--sharded"], "-F", "%h %p", "svc", "hi")
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.decode().splitlines()) == ["c0 hi", "c1 hi", "c2 hi"]


def test_plain_request_in_a_cluster_is_refused(cluster):
    done = request(["--cluster", "-u", cluster.masters()[0].url], "svc", "hi")
    assert done.returncode == 64
    assert done.stderr.decode().startswith("statesync-pub: a request in a Redis Cluster must be sharded")


@pytest.fixture(scope="module")
def sentinels(tmp_path_factory):
    g = SentinelGroup(str(tmp_path_factory.mktemp("sentinel"))).start()
    yield g
    g.cleanup()


def test_request_through_the_sentinels(sentinels, fleet):
    url = ["-u", sentinels.url()]
    fleet.start(url, "svc", "s1", ["cat"])
    fleet.start(url, "svc", "s2", ["cat"])
    done = request(url, "-F", "%h %p", "svc", "hi")
    assert done.returncode == 0, done.stderr
    assert sorted(done.stdout.decode().splitlines()) == ["s1 hi", "s2 hi"]
