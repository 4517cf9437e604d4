"""Streams in a Redis Cluster (keys on different masters, one read per
owner, a master killed under a writer and a tail) and through Sentinel (a
tail going on from its last ID at the new master after a failover)."""

import subprocess

import pytest

from cluster_fixture import Cluster, SentinelGroup, names_on_every_master, wait_until
from conftest import run, spawn


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3, replicas=0).start()
    yield c
    c.cleanup()


def test_cluster_keys_on_different_masters(cluster):
    keys = names_on_every_master(cluster, "st")
    seed = ["--cluster", "-p", cluster.nodes[0].port]
    records = b"".join(b"%s %d\n" % (keys[i % len(keys)].encode(), i) for i in range(300))
    done = run("statesync-pub", *seed, "--stream", "-l", "--channel-field", " ", input=records)
    assert done.returncode == 0, done.stderr
    for key in keys:
        assert cluster.owner(key).command("XLEN", key) == 100
    read = run("statesync-sub", *seed, "--stream", "--from", "0", "-e", "-F", "%t %p", *keys)
    assert read.returncode == 0, read.stderr
    lines = read.stdout.splitlines()
    assert sorted(lines) == sorted(records.splitlines())
    for key in keys:
        mine = [int(line.split()[1]) for line in lines if line.split()[0] == key.encode()]
        assert mine == sorted(mine), "each key's entries in order"


def test_cluster_tail_reads_every_owner(cluster):
    keys = names_on_every_master(cluster, "tail")
    seed = ["--cluster", "-p", cluster.nodes[0].port]
    tail = spawn("statesync-sub", *seed, "--stream", "-C", len(keys), *keys)
    try:
        wait_until(lambda: sum(b"cmd=xread" in n.command("CLIENT", "LIST") for n in cluster.masters())
                   == len(keys), "a read blocked on every owner")
        for key in keys:
            assert run("statesync-pub", *seed, "--stream", key, f"to {key}").returncode == 0
        out, err = tail.communicate(timeout=30)
        assert tail.returncode == 0, err
        assert sorted(out.splitlines()) == sorted(f"to {key}".encode() for key in keys)
    finally:
        tail.kill()
        tail.wait()


def test_cluster_master_killed_under_a_writer_and_a_tail(tmp_path_factory):
    """The tail goes on from its last ID at the promoted replica; the writer
    adds again, there, what the dead master left unconfirmed, and prints
    (-v) the ID of every entry the cluster confirmed, once."""
    workdir = tmp_path_factory.mktemp("failover")
    cluster = Cluster(str(workdir), masters=3, replicas=1).start()
    tail = writer = None
    try:
        key = names_on_every_master(cluster, "fo")[0]
        master = cluster.owner(key)
        replica = cluster.replicas_of(master)[0]
        seed = next(m for m in cluster.masters() if m is not master)
        args = ["--cluster", "-u", seed.url, "--stream"]
        output = workdir / "out"
        tail = spawn("statesync-sub", *args, "--from", "0", "-C", 100, key, stdout=open(output, "wb"))
        writer = spawn("statesync-pub", *args, "-v", "-l", key, stdin=subprocess.PIPE)
        first = b"".join(b"%d\n" % i for i in range(50))
        writer.stdin.write(first)
        writer.stdin.flush()
        wait_until(lambda: output.read_bytes().count(b"\n") == 50, "the first entries")
        wait_until(lambda: master.command("WAIT", 1, 1000) >= 1, "the replica to have everything")
        master.stop()
        wait_until(lambda: replica.command("ROLE")[0] == b"master", "the replica to take over")
        cluster.wait_healthy()
        # Written to the dead master's connection: added again at the new one.
        more = b"".join(b"%d\n" % i for i in range(50, 100))
        ids, err = writer.communicate(more, timeout=60)
        assert writer.returncode == 0, err
        assert tail.wait(timeout=60) == 0, tail.stderr.read()
        assert output.read_bytes() == first + more
        stored = replica.command("XRANGE", key, "-", "+")
        assert [entry[1][1] for entry in stored] == (first + more).splitlines()
        assert ids.splitlines() == [entry[0] for entry in stored]
    finally:
        for process in (tail, writer):
            if process:
                process.kill()
                process.wait()
        cluster.cleanup()


def test_sentinel_failover_tail_goes_on_from_its_last_id(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sentinel")
    group = SentinelGroup(str(workdir)).start()
    tail = None
    try:
        args = group.sentinel_args()
        master = group.current_master()
        output = workdir / "out"
        tail = spawn("statesync-sub", *args, "--stream", "--from", "0", "-C", 100, "events", stdout=open(output, "wb"))
        lines = b"".join(b"%d\n" % i for i in range(50))
        assert run("statesync-pub", *args, "--stream", "-l", "events", input=lines).returncode == 0
        wait_until(lambda: output.read_bytes().count(b"\n") == 50, "the first entries")
        wait_until(lambda: master.command("WAIT", 1, 1000) >= 1, "the replica to have everything")
        new = group.failover(kill=True)
        assert new.port != master.port
        more = b"".join(b"%d\n" % i for i in range(50, 100))
        assert run("statesync-pub", *args, "--stream", "-l", "events", input=more).returncode == 0
        assert tail.wait(timeout=60) == 0, tail.stderr.read()
        assert output.read_bytes() == lines + more
    finally:
        if tail:
            tail.kill()
            tail.wait()
        group.cleanup()
