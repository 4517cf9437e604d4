"""The three tools against a Redis Cluster of three masters with a replica
each: plain and sharded pub/sub across masters, the retained state and the
lock on their slot's owner, a slot migrated under a sharded subscription,
and a manual failover followed by subscriber, publisher and lock."""

import subprocess

import pytest

from cluster_fixture import Cluster, wait_until
from conftest import run, spawn
from test_sub_staying import Lines


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3, replicas=1).start()
    yield c
    c.cleanup()


def channels_on_every_master(cluster, prefix):
    """One channel name per master (by its slot's owner)."""
    found = {}
    n = 0
    while len(found) < len(cluster.masters()):
        name = f"{prefix}{n}"
        found.setdefault(cluster.owner(name).port, name)
        n += 1
    return list(found.values())


def shardnumsub(node, channel):
    return node.command("PUBSUB", "SHARDNUMSUB", channel)[1]


def test_plain_publish_reaches_a_subscriber_on_another_master(cluster):
    a, b = cluster.masters()[:2]
    sub = spawn("statesync-sub", "--cluster", "-u", a.url, "-C", 1, "news")
    try:
        wait_until(lambda: a.command("PUBSUB", "NUMSUB", "news")[1] == 1, "the subscriber")
        result = run("statesync-pub", "--cluster", "-u", b.url, "news", "hello")
        assert result.returncode == 0, result.stderr
        out, err = sub.communicate(timeout=20)
        assert (sub.returncode, out) == (0, b"hello\n"), err
    finally:
        sub.kill()
        sub.wait()


def test_sharded_channels_on_every_master(cluster):
    channels = channels_on_every_master(cluster, "shard")
    seed = cluster.masters()[0]
    sub = spawn("statesync-sub", "--cluster", "-u", seed.url, "--sharded", "-v", "-C", len(channels), *channels)
    try:
        for channel in channels:
            wait_until(lambda: shardnumsub(cluster.owner(channel), channel) == 1, f"a subscriber of {channel}")
        for channel in channels:
            # Through the seed: SPUBLISH goes to the owner of the channel's slot.
            result = run("statesync-pub", "--cluster", "-u", seed.url, "--sharded", channel, f"to {channel}")
            assert result.returncode == 0, result.stderr
        out, err = sub.communicate(timeout=20)
        assert sub.returncode == 0, err
        assert out.decode().splitlines() == [f"{c} to {c}" for c in channels]
    finally:
        sub.kill()
        sub.wait()


def test_sharded_publish_without_cluster_option_is_refused_by_another_node(cluster):
    channel = channels_on_every_master(cluster, "moved")[0]
    elsewhere = next(m for m in cluster.masters() if m is not cluster.owner(channel))
    result = run("statesync-pub", "-u", elsewhere.url, "--sharded", channel, "x")
    assert result.returncode == 69
    assert b"MOVED" in result.stderr and result.stderr.endswith(b" (a Redis Cluster node: see --cluster)\n")


def test_retained_state_lives_on_its_slot_owner(cluster):
    seed = cluster.masters()[0]
    for value in ("v1", "v2"):
        result = run("statesync-pub", "--cluster", "-u", seed.url, "-r", "config", value)
        assert result.returncode == 0, result.stderr
    owner = cluster.owner("statesync:state:config")
    assert owner.command("HGET", "statesync:state:config", "payload") == b"v2"
    result = run("statesync-sub", "--cluster", "-u", seed.url, "-R", "-C", 1, "-F", "%p@%v", "config")
    assert (result.returncode, result.stdout) == (0, b"v2@2\n"), result.stderr


def test_retained_state_of_channels_in_different_slots_is_refused(cluster):
    a, b = channels_on_every_master(cluster, "r")[:2]
    result = run("statesync-sub", "--cluster", "-u", cluster.masters()[0].url, "-R", a, b)
    assert result.returncode == 64
    assert b"hash tag" in result.stderr


def test_lock_on_its_slot_owner(cluster):
    seed = cluster.masters()[0]
    holder = spawn("statesync-lock", "--cluster", "-u", seed.url, "-v", "build", "sh", "-c", "read line",
                   stdin=subprocess.PIPE)
    try:
        Lines(holder.stderr).wait_for(b"acquired 'build'")
        owner = cluster.owner("statesync:lock:{build}")
        assert owner.command("EXISTS", "statesync:lock:{build}", "statesync:lock:{build}:fence") == 2
        other = run("statesync-lock", "--cluster", "-u", seed.url, "-n", "build", "true")
        assert other.returncode == 1
        status = run("statesync-lock", "--cluster", "-u", seed.url, "--status", "build")
        assert status.returncode == 0 and b"build" in status.stdout
        holder.stdin.write(b"done\n")
        holder.stdin.close()
        assert holder.wait(timeout=20) == 0
    finally:
        holder.kill()
        holder.wait()


def test_wait_replicas(cluster):
    seed = cluster.masters()[0]
    result = run("statesync-lock", "--cluster", "-u", seed.url, "--wait-replicas", 1, "w1", "true")
    assert result.returncode == 0, result.stderr
    result = run("statesync-lock", "--cluster", "-u", seed.url, "--wait-replicas", 2, "--timeout", 0.4, "w2", "true")
    assert result.returncode == 69
    assert result.stderr == b"statesync-lock: lock 'w2' reached 1 of 2 replicas within the reply timeout; released it\n"
    owner = cluster.owner("statesync:lock:{w2}")
    assert owner.command("EXISTS", "statesync:lock:{w2}") == 0


def test_slot_migrated_under_a_sharded_subscription(cluster):
    channel = channels_on_every_master(cluster, "mig")[0]
    source = cluster.owner(channel)
    target = next(m for m in cluster.masters() if m is not source)
    sub = spawn("statesync-sub", "--cluster", "-u", target.url, "--sharded", "-C", 2, channel)
    try:
        err = Lines(sub.stderr)
        out = Lines(sub.stdout)
        wait_until(lambda: shardnumsub(source, channel) == 1, "the subscriber on the owner")
        assert run("statesync-pub", "--cluster", "-u", target.url, "--sharded", channel, "before").returncode == 0
        out.wait_for(b"before")
        cluster.migrate_slot(cluster.keyslot(channel), source, target)
        err.wait_for(b"reconnected to")
        wait_until(lambda: shardnumsub(target, channel) == 1, "the subscriber on the new owner")
        assert run("statesync-pub", "--cluster", "-u", source.url, "--sharded", channel, "after").returncode == 0
        out.wait_for(b"after")
        assert sub.wait(timeout=20) == 0
    finally:
        sub.kill()
        sub.wait()


def test_failover_is_followed(cluster):
    channel = channels_on_every_master(cluster, "fo")[0]
    lock_name = next(f"job{n}" for n in range(1000)
                     if cluster.owner(f"statesync:lock:{{job{n}}}") is cluster.owner(channel))
    master = cluster.owner(channel)
    replica = cluster.replicas_of(master)[0]
    seed = next(m for m in cluster.masters() if m is not master)
    url = seed.url
    sub = spawn("statesync-sub", "--cluster", "-u", url, "--sharded", "-C", 2, channel)
    lock = spawn("statesync-lock", "--cluster", "-u", url, "-v", "--ttl", 10, lock_name, "sh", "-c", "read line",
                 stdin=subprocess.PIPE)
    pub = spawn("statesync-pub", "--cluster", "-u", url, "--sharded", "-l", channel, stdin=subprocess.PIPE)
    try:
        out = Lines(sub.stdout)
        lock_err = Lines(lock.stderr)
        lock_err.wait_for(f"acquired '{lock_name}'".encode())
        wait_until(lambda: shardnumsub(master, channel) == 1, "the subscriber")
        pub.stdin.write(b"one\n")
        pub.stdin.flush()
        out.wait_for(b"one")

        cluster.failover(replica)

        # The subscriber moves to the promoted replica; the stream goes on.
        wait_until(lambda: shardnumsub(replica, channel) == 1, "the subscriber on the new master")
        pub.stdin.write(b"two\n")
        pub.stdin.close()
        assert pub.wait(timeout=30) == 0
        out.wait_for(b"two")
        assert sub.wait(timeout=20) == 0

        # A manual failover loses no write: the next renewal is answered
        # with MOVED, and renewing on the new owner keeps the lock.
        lock_err.wait_for(b"kept after the failover", timeout=30)
        lock.stdin.write(b"done\n")
        lock.stdin.close()
        assert lock.wait(timeout=30) == 0
    finally:
        for process in (sub, lock, pub):
            process.kill()
            process.wait()


def test_killed_master_is_followed(cluster):
    """Last: it leaves the cluster with one master fewer replicated."""
    channel = channels_on_every_master(cluster, "kill")[0]
    master = cluster.owner(channel)
    replica = cluster.replicas_of(master)[0]
    seed = next(m for m in cluster.masters() if m is not master)
    sub = spawn("statesync-sub", "--cluster", "-u", seed.url, "--sharded", "-C", 2, channel)
    pub = spawn("statesync-pub", "--cluster", "-u", seed.url, "--sharded", "-l", channel, stdin=subprocess.PIPE)
    # A plain subscriber on the node that dies moves to another node.
    plain = spawn("statesync-sub", "--cluster", "-u", master.url, "-C", 1, "plain")
    try:
        out = Lines(sub.stdout)
        wait_until(lambda: shardnumsub(master, channel) == 1, "the subscriber")
        wait_until(lambda: master.command("PUBSUB", "NUMSUB", "plain")[1] == 1, "the plain subscriber")
        pub.stdin.write(b"one\n")
        pub.stdin.flush()
        out.wait_for(b"one")

        master.stop()
        wait_until(lambda: replica.command("ROLE")[0] == b"master", "the replica to take over")
        cluster.wait_healthy()
        wait_until(lambda: shardnumsub(replica, channel) == 1, "the subscriber on the new master")
        pub.stdin.write(b"two\n")
        pub.stdin.close()
        assert pub.wait(timeout=30) == 0
        out.wait_for(b"two")
        assert sub.wait(timeout=20) == 0

        wait_until(lambda: sum(n.command("PUBSUB", "NUMSUB", "plain")[1] for n in cluster.running()) == 1,
                   "the plain subscriber on another node")
        assert run("statesync-pub", "--cluster", "-u", seed.url, "plain", "back").returncode == 0
        out, err = plain.communicate(timeout=20)
        assert (plain.returncode, out) == (0, b"back\n"), err
    finally:
        for process in (sub, pub, plain):
            process.kill()
            process.wait()
