"""statesync-sub --watch against a Redis Cluster of three masters: keys on
every master tracked at their slot's owner, a pattern across all of them,
and a slot migrated under a watched key (followed by a full re-read)."""

import pytest

from cluster_fixture import Cluster, names_on_every_master
from conftest import run, spawn
from test_watch import Lines, wait_until

TOOL = "statesync-sub"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3).start()
    yield c
    c.cleanup()



def tracking_clients(node, pid):
    listed = node.command("CLIENT", "LIST").decode()
    return [line for line in listed.splitlines() if f":{pid} " in line and "flags=t" in line]


@pytest.fixture
def watcher():
    started = []

    def start(cluster, *args):
        process = spawn(TOOL, "--cluster", "-u", cluster.masters()[0].url, "--watch", "-F", "%t %e %p", *args)
        started.append(process)
        return process, Lines(process.stdout)

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_keys_on_every_master_then_a_slot_migration(cluster, watcher):
    keys = names_on_every_master(cluster, "wk")
    for key in keys:
        cluster.owner(key).command("SET", key, f"{key}-0")
    _, lines = watcher(cluster, *keys)
    # The initial values come master by master, in no promised order.
    initial = {lines.wait_for(b" set ") for _ in keys}
    assert initial == {f"{key} set {key}-0\n".encode() for key in keys}
    for key in keys:
        cluster.owner(key).command("SET", key, f"{key}-1")
        assert lines.wait_for(f"{key} set".encode()) == f"{key} set {key}-1\n".encode()

    moved = keys[0]
    source = cluster.owner(moved)
    target = next(m for m in cluster.masters() if m.port != source.port)
    cluster.migrate_slot(cluster.keyslot(moved), source, target)
    target.command("SET", moved, "after the move")
    assert lines.wait_for(b"after the move") == f"{moved} set after the move\n".encode()


def test_a_cluster_named_as_one_server_is_found_by_the_first_moved(cluster):
    keys = names_on_every_master(cluster, "plain")
    for key in keys:
        cluster.owner(key).command("SET", key, f"{key}-0")
    # No --cluster: the server given is one master; the others' keys answer
    # MOVED there, which shows the watcher it talks to a cluster.
    process = spawn(TOOL, "-u", cluster.masters()[0].url, "--watch", "-F", "%t %e %p", *keys)
    try:
        lines = Lines(process.stdout)
        initial = {lines.wait_for(b" set ") for _ in keys}
        assert initial == {f"{key} set {key}-0\n".encode() for key in keys}
        for key in keys:
            cluster.owner(key).command("SET", key, f"{key}-1")
            assert lines.wait_for(f"{key} set".encode()) == f"{key} set {key}-1\n".encode()
    finally:
        process.kill()
        process.wait()
    assert b"reconnected" not in process.stderr.read()


def test_a_pattern_at_one_cluster_node_is_refused_not_watched_in_part(cluster):
    result = run(TOOL, "-u", cluster.masters()[0].url, "--watch", "-P", "pat*")
    assert result.returncode == 64, result.stderr
    assert b"--cluster" in result.stderr and result.stderr.count(b"\n") == 1


def test_pattern_across_masters_sees_keys_created_later(cluster, watcher):
    keys = names_on_every_master(cluster, "pat")
    process, lines = watcher(cluster, "-P", "pat*")
    # Tracking is on at every master once each shows this process's
    # tracking connection.
    for master in cluster.masters():
        wait_until(lambda: tracking_clients(master, process.pid), "tracking at every master")
    for key in keys:
        cluster.owner(key).command("SET", key, "new")
    printed = {lines.wait_for(b" set new") for _ in keys}
    assert printed == {f"{key} set new\n".encode() for key in keys}
