"""statesync-sub --keepalive with sharded subscriptions over several nodes
of a Redis Cluster (three masters, no replicas, so that nothing fails over
while a node is frozen): each connection has its own keepalive, so traffic
on one node does not hide that another stopped answering."""

import queue
import time

import pytest

from cluster_fixture import Cluster, names_on_every_master, wait_until
from conftest import spawn
from test_cluster import shardnumsub
from test_sub_staying import Lines


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3, replicas=0).start()
    yield c
    c.cleanup()


def line_seen(lines, text):
    """Whether a line with `text` has arrived, without waiting."""
    while True:
        try:
            line = lines.queue.get_nowait()
        except queue.Empty:
            return False
        if line is not None and text in line:
            return True


def message_or_notice(out, message, err, notice, timeout=30):
    """Waits for `message` on standard output or `notice` on standard error,
    whichever comes first: True for the notice."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if line_seen(err, notice):
            return True
        try:
            line = out.queue.get(timeout=0.05)
        except queue.Empty:
            continue
        if line is not None and message in line:
            return False
    raise AssertionError(f"neither {message!r} nor {notice!r}")


def test_a_frozen_node_is_noticed_while_another_keeps_talking(cluster):
    quiet, busy = names_on_every_master(cluster, "ka")[:2]
    frozen, talking = cluster.owner(quiet), cluster.owner(busy)
    sub = spawn("statesync-sub", "--cluster", "-u", cluster.masters()[0].url, "--sharded", "--keepalive", 0.2,
                "--timeout", 0.3, "-F", "%p", quiet, busy)
    try:
        out, err = Lines(sub.stdout), Lines(sub.stderr)
        wait_until(lambda: shardnumsub(frozen, quiet) == 1 and shardnumsub(talking, busy) == 1, "the subscriptions")
        frozen.pause()
        try:
            # Each message waits for the one before to arrive: traffic on the
            # busy node never stops while the frozen one is silent. Bounded:
            # a keepalive per subscriber (the defect) never notices.
            notice = f"no answer to a keepalive PING from 127.0.0.1:{frozen.port}".encode()
            noticed = False
            for n in range(20000):
                talking.command("SPUBLISH", busy, f"m{n}")
                if message_or_notice(out, f"m{n}".encode(), err, notice):
                    noticed = True
                    break
            assert noticed, "the frozen node went unnoticed while the other one talked"
        finally:
            frozen.resume()
        err.wait_for(b"reconnected to")
        wait_until(lambda: shardnumsub(frozen, quiet) == 1, "the subscription on the thawed node")
    finally:
        sub.kill()
        sub.wait()
