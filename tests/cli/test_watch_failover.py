"""statesync-sub --watch across failovers: a Sentinel group's master
changed by SENTINEL FAILOVER and by a killed master, and a cluster master
killed so that its replica is promoted. The watcher is stopped (SIGSTOP)
while the failover happens and the value changes at the new master: only
a full re-read there can show it the new value. Changes made after that
are printed too."""

import os
import signal

import pytest

from cluster_fixture import Cluster, SentinelGroup, names_on_every_master, wait_until
from conftest import spawn
from test_sub import finish
from test_watch import Lines

TOOL = "statesync-sub"
FORMAT = "%t %e %p"
DATA_PASSWORD = "data-secret"
SENTINEL_PASSWORD = "sentinel-secret"
AUTH = {"STATESYNC_AUTH": DATA_PASSWORD, "STATESYNC_SENTINEL_AUTH": SENTINEL_PASSWORD}


class Paused:
    """A process stopped for the time of a `with` block, continued after
    it whatever happens inside."""

    def __init__(self, process):
        self.process = process

    def __enter__(self):
        os.kill(self.process.pid, signal.SIGSTOP)

    def __exit__(self, *exc):
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.mark.parametrize("kill", [False, True], ids=["sentinel-failover", "killed-master"])
def test_sentinel_failover_reads_everything_at_the_new_master(tmp_path_factory, kill):
    group = SentinelGroup(str(tmp_path_factory.mktemp("sentinel")), password=DATA_PASSWORD,
                          sentinel_password=SENTINEL_PASSWORD).start()
    watch = None
    try:
        master = group.current_master()
        master.command("SET", "wk", "before")
        wait_until(lambda: master.command("WAIT", 1, 1000) >= 1, "the replica to have the key")
        watch = spawn(TOOL, *group.sentinel_args(), "--watch", "-F", FORMAT, "wk", env=AUTH)
        lines = Lines(watch.stdout)
        assert lines.wait_for(b"wk set") == b"wk set before\n"
        with Paused(watch):
            new = group.failover(kill=kill)
            new.command("SET", "wk", "at the new master")
        # After a SENTINEL FAILOVER the old master serves its clients until
        # the Sentinels demote it (and close its connections).
        assert lines.wait_for(b"wk set", timeout=90) == b"wk set at the new master\n"
        new.command("SET", "wk", "later")
        assert lines.wait_for(b"wk set") == b"wk set later\n"
        watch.terminate()
        rc, _, err = finish(watch)
        assert rc == 128 + 15, err
        assert f"reconnected to 127.0.0.1:{new.port}".encode() in err
    finally:
        if watch and watch.poll() is None:
            watch.kill()
            watch.wait()
        group.cleanup()


def test_cluster_master_killed_its_replica_promoted(tmp_path_factory):
    cluster = Cluster(str(tmp_path_factory.mktemp("cluster")), masters=3, replicas=1).start()
    watch = None
    try:
        keys = names_on_every_master(cluster, "fk")
        for key in keys:
            cluster.owner(key).command("SET", key, f"{key}-0")
        watch = spawn(TOOL, "--cluster", "-u", cluster.masters()[0].url, "--watch", "-F", FORMAT, *keys)
        lines = Lines(watch.stdout)
        assert {lines.wait_for(b" set ") for _ in keys} == {f"{key} set {key}-0\n".encode() for key in keys}

        victim = cluster.owner(keys[0])
        with Paused(watch):
            victim.stop()
            wait_until(lambda: cluster.owner(keys[0]).port != victim.port, "the replica to be promoted")
            cluster.wait_healthy()
            cluster.owner(keys[0]).command("SET", keys[0], "at the promoted replica")
        assert lines.wait_for(f"{keys[0]} set".encode(), timeout=60) == \
            f"{keys[0]} set at the promoted replica\n".encode()
        for key in keys:
            cluster.owner(key).command("SET", key, f"{key}-later")
            assert lines.wait_for(f"{key} set".encode()) == f"{key} set {key}-later\n".encode()
        watch.terminate()
        rc, _, err = finish(watch)
        assert rc == 128 + 15, err
        assert b"reconnected to" in err
    finally:
        if watch and watch.poll() is None:
            watch.kill()
            watch.wait()
        cluster.cleanup()
