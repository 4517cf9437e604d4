"""statesync-sub -F against mosquitto_sub -F, side by side: a real
mosquitto broker and mosquitto_sub started here, the same payloads
published to both systems, and the bytes each subscriber prints compared.
Only templates made of the fields both tools share are compared; what
differs on purpose (%I, %U, %P) is in statesync-sub(1)."""

import getpass
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import spawn
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

    def publish(self, payload):
        args = ["mosquitto_pub", "-p", str(self.port), "-q", "1", "-t", TOPIC]
        args += ["-n"] if payload == b"" else ["-s"]
        subprocess.run(args, input=payload, check=True, timeout=30)

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
