"""statesync-sub -F against mosquitto_sub -F, side by side: a real
mosquitto broker and mosquitto_sub started here, the same payloads
published to both systems, and the bytes each subscriber prints compared.
Only templates made of the fields both tools share are compared; what
differs on purpose (%I, %U, %P) is in statesync-sub(1). mosquitto_sub's
--retained-only, -T and --remove-retained are compared with statesync-sub's
--retained-only and -T and statesync-pub --clear -P the same way."""

import getpass
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import run, spawn
from redis_fixture import free_port
from test_sub import finish, wait_subscribed

pytestmark = pytest.mark.skipif(shutil.which("mosquitto") is None and not os.path.exists("/usr/sbin/mosquitto"),
                                reason="mosquitto is not installed (scripts/install-deps installs it)")

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
TOPIC = "sensors/ü-1"

PAYLOADS = [
    b"hello",
    "ünïcödé ✓ 温度".encode(),
    b"\x00\x01\xfe\xff bin\x00ary",
    b"tab\there\tx",
    b"",
    b"a payload longer than twelve bytes",
    b"x",
]

TEMPLATES = [
    "%t %p",
    "%l|%x|%X",
    "%10t|%-10t|%05l|%10.10t|",
    "%.3t|%-4l|%3l|%-05l|",
    "%12p|%-12p|%05p|",
    "%8x|%-8X|%4x|%3X|",
    "%-p|%-x|",
    "tab\\there \\\\ %% @@ ✓ %p",
    "%p\\0%l\\e\\a\\v\\r",
]


class Broker:
    """A mosquitto broker on a free loopback port, logging to a file that
    says when a subscription is in place."""

    def __init__(self, workdir):
        self.port = free_port()
        self.log = os.path.join(workdir, "mosquitto.log")
        config = os.path.join(workdir, "mosquitto.conf")
        with open(config, "w") as f:
            f.write(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    f"log_dest file {self.log}\nlog_type all\n"
                    # Started as root, mosquitto would become "mosquitto" and not reach its log.
                    f"user {getpass.getuser()}\n")
        self.process = subprocess.Popen([MOSQUITTO, "-c", config], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        for _ in range(1000):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError("mosquitto did not start")
                time.sleep(0.01)
        raise AssertionError("mosquitto does not listen")

    def wait_subscribed(self, client_ids):
        """Until the broker has sent a SUBACK to each client: from then on
        it delivers their messages."""
        for _ in range(1000):
            try:
                with open(self.log, errors="replace") as f:
                    text = f.read()
            except FileNotFoundError:
                text = ""
            if all(f"Sending SUBACK to {client}" in text for client in client_ids):
                return
            time.sleep(0.01)
        raise AssertionError("mosquitto_sub did not subscribe")

    def publish(self, payload, topic=TOPIC, retain=False):
        args = ["mosquitto_pub", "-p", str(self.port), "-q", "1", "-t", topic] + (["-r"] if retain else [])
        args += ["-n"] if payload == b"" else ["-s"]
        subprocess.run(args, input=payload, check=True, timeout=30)

    def sub(self, client_id, *args):
        """mosquitto_sub with `args`, once the broker has subscribed it."""
        process = subprocess.Popen(["mosquitto_sub", "-p", str(self.port), "-i", client_id, "-F", "%t %p", *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.wait_subscribed([client_id])
        return process

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture
def broker(tmp_path):
    started = Broker(str(tmp_path))
    yield started
    started.stop()


def test_templates_print_what_mosquitto_sub_prints(broker, redis):
    count = str(len(PAYLOADS))
    theirs, ours = [], []
    try:
        for i, template in enumerate(TEMPLATES):
            theirs.append(subprocess.Popen(["mosquitto_sub", "-p", str(broker.port), "-i", f"side-{i}", "-t", TOPIC,
                                            "-C", count, "-F", template], stdout=subprocess.PIPE,
                                           stderr=subprocess.PIPE))
            ours.append(spawn("statesync-sub", "-p", redis.port, "-C", count, "-F", template, TOPIC))
        broker.wait_subscribed([f"side-{i}" for i in range(len(TEMPLATES))])
        wait_subscribed(redis, TOPIC, count=len(TEMPLATES))
        with redis.client() as client:
            for payload in PAYLOADS:
                broker.publish(payload)
                client.command("PUBLISH", TOPIC, payload)
        for template, mosquitto_sub, statesync_sub in zip(TEMPLATES, theirs, ours):
            their_status, their_bytes, their_err = finish(mosquitto_sub)
            our_status, our_bytes, our_err = finish(statesync_sub)
            assert their_status == 0 and their_err == b"", their_err
            assert our_status == 0 and our_err == b"", our_err
            assert their_bytes.count(b"\n") >= len(PAYLOADS)
            assert our_bytes == their_bytes, template
    finally:
        for process in theirs + ours:
            if process.poll() is None:
                process.kill()
                process.wait()


def retain_on_both(broker, redis, states):
    for topic, payload in states.items():
        broker.publish(payload, topic=topic, retain=True)
        assert run("statesync-pub", "-p", redis.port, "-r", topic, payload.decode()).returncode == 0


def lines(output):
    return sorted(output.splitlines())


def test_retained_only_prints_the_same_states(broker, redis):
    retain_on_both(broker, redis, {"kept/a": b"1", "kept/b": b"2", "elsewhere/c": b"3"})
    theirs = broker.sub("retained-only", "--retained-only", "-t", "kept/#")
    broker.publish(b"live", topic="kept/a")  # mosquitto_sub ends at the first message not retained
    their_status, their_bytes, _ = finish(theirs)
    ours = run("statesync-sub", "-p", redis.port, "--retained-only", "-F", "%t %p", "-P", "kept/*")
    assert their_status == 0 and ours.returncode == 0, ours.stderr
    assert lines(ours.stdout) == lines(their_bytes) == [b"kept/a 1", b"kept/b 2"]
    # With nothing retained statesync-sub does not wait: it exits 0 at once.
    none = run("statesync-sub", "-p", redis.port, "--retained-only", "-P", "nothing/*")
    assert (none.returncode, none.stdout, none.stderr) == (0, b"", b"")


def test_filter_out_hides_the_same_channels(broker, redis):
    theirs = broker.sub("filter-out", "-t", "live/#", "-T", "live/b", "-T", "live/c", "-C", "2")
    ours = spawn("statesync-sub", "-p", redis.port, "-F", "%t %p", "-T", "live/b", "-T", "live/c", "-C", "2",
                 "live/a", "live/b", "live/c")
    try:
        wait_subscribed(redis, "live/c")
        for topic, payload in [("live/b", b"hidden"), ("live/c", b"hidden"), ("live/a", b"x"), ("live/a", b"y")]:
            broker.publish(payload, topic=topic)
            with redis.client() as client:
                client.command("PUBLISH", topic, payload)
    finally:
        their_status, their_bytes, _ = finish(theirs)
        our_status, our_bytes, our_err = finish(ours)
    assert their_status == 0 and our_status == 0, our_err
    assert our_bytes == their_bytes == b"live/a x\nlive/a y\n"


def test_clear_by_pattern_removes_what_remove_retained_removes(broker, redis):
    retain_on_both(broker, redis, {"old/a": b"1", "old/b": b"2", "old/keep": b"3", "older": b"4"})
    # mosquitto_sub --remove-retained does not end at -C: -W ends it (status 27, "Timed out").
    remover = broker.sub("remover", "--remove-retained", "-W", "2", "-t", "old/#", "-T", "old/keep")
    status, printed, _ = finish(remover)
    assert status == 27 and printed.startswith(b"old/a 1\nold/b 2\n")  # then the removals it sees
    cleared = run("statesync-pub", "-p", redis.port, "--clear", "-P", "old/[ab]")
    assert cleared.returncode == 0 and cleared.stdout == b""
    assert cleared.stderr == b"statesync-pub: cleared 2 retained states matching 'old/[ab]'\n"
    theirs = broker.sub("after", "--retained-only", "-t", "old/#", "-t", "older")
    broker.publish(b"done", topic="old/end")
    their_status, their_bytes, _ = finish(theirs)
    ours = run("statesync-sub", "-p", redis.port, "--retained-only", "-F", "%t %p", "-P", "old*")
    assert their_status == 0 and ours.returncode == 0, ours.stderr
    assert lines(ours.stdout) == lines(their_bytes) == [b"old/keep 3", b"older 4"]
