"""Names that look like a server's error words (": MOVED 1 127.0.0.1:1",
"x: TRYAGAIN y", "READONLY") are names like any other, on a single server
and on a cluster: a lock, a channel and a retained channel so named work,
and a server error about one (a key of the wrong type) is reported as that
error, not taken for a redirection, a slot migrating or a failover. The
library tells errors by the server's code, never by the words of a
message, which quote the name before the server's words."""

import pytest

from cluster_fixture import Cluster, wait_until
from conftest import run, spawn
from redis_fixture import RedisServer

NAMES = [": MOVED 1 127.0.0.1:1", "x: TRYAGAIN y", "READONLY"]
# A name that hangs or is misrouted would end by this hang guard, not pass.
HANG_GUARD = 30


class Single:
    def __init__(self, workdir):
        self.server = RedisServer(workdir).start()
        self.args = ["-u", self.server.url]

    def node_for(self, key):
        return self.server

    def nodes(self):
        return [self.server]

    def cleanup(self):
        self.server.cleanup()


class OnCluster:
    def __init__(self, workdir):
        self.cluster = Cluster(workdir, masters=3, replicas=0).start()
        self.args = ["--cluster", "-u", self.cluster.masters()[0].url]

    def node_for(self, key):
        return self.cluster.owner(key)

    def nodes(self):
        return self.cluster.masters()

    def cleanup(self):
        self.cluster.cleanup()


@pytest.fixture(scope="module", params=[Single, OnCluster], ids=["single", "cluster"])
def target(request, tmp_path_factory):
    t = request.param(str(tmp_path_factory.mktemp(request.param.__name__.lower())))
    yield t
    t.cleanup()


@pytest.fixture
def servers_of(target):
    yield target
    for node in target.nodes():
        node.command("FLUSHALL")


def state_key(name):
    return f"statesync:state:{name}"


def holders_key(name):
    return f"statesync:lock:{{{name}}}:holders"


def assert_reported(result, tool, server_words):
    """Exit 69 with one line quoting the server's words, no hint that a
    cluster or a failover was seen."""
    err = result.stderr.decode()
    assert result.returncode == 69, err
    assert err.startswith(f"statesync-{tool}: ") and err.count("\n") == 1, err
    assert server_words in err, err
    assert "cluster" not in err.lower() and "master" not in err, err


@pytest.mark.parametrize("name", NAMES)
def test_a_lock_so_named_is_a_lock(servers_of, name):
    t = servers_of
    result = run("statesync-lock", *t.args, name, "sh", "-c", 'echo "$STATESYNC_LOCK_NAME|$STATESYNC_LOCK_TOKEN"',
                 timeout=HANG_GUARD)
    assert (result.returncode, result.stdout) == (0, f"{name}|1\n".encode()), result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_a_retained_channel_so_named_keeps_its_state(servers_of, name):
    t = servers_of
    assert run("statesync-pub", *t.args, "-r", name, "state", timeout=HANG_GUARD).returncode == 0
    result = run("statesync-sub", *t.args, "-R", "-C", 1, name, timeout=HANG_GUARD)
    assert (result.returncode, result.stdout) == (0, b"state\n"), result.stderr


@pytest.mark.parametrize("name", NAMES)
def test_a_channel_so_named_carries_messages(servers_of, name):
    t = servers_of
    sub = spawn("statesync-sub", *t.args, "-C", 1, name)
    try:
        wait_until(lambda: any(n.command("PUBSUB", "NUMSUB", name)[1] == 1 for n in t.nodes()), "the subscriber")
        result = run("statesync-pub", *t.args, name, "hello", timeout=HANG_GUARD)
        assert result.returncode == 0, result.stderr
        out, err = sub.communicate(timeout=HANG_GUARD)
        assert (sub.returncode, out) == (0, b"hello\n"), err
    finally:
        sub.kill()
        sub.wait()


@pytest.mark.parametrize("name", NAMES)
def test_a_server_error_about_a_lock_so_named_is_that_error(servers_of, name):
    t = servers_of
    t.node_for(holders_key(name)).command("SET", holders_key(name), "not a sorted set")
    result = run("statesync-lock", *t.args, name, "true", timeout=HANG_GUARD)
    assert_reported(result, "lock", "WRONGTYPE")


@pytest.mark.parametrize("name", NAMES)
def test_a_server_error_about_a_retained_channel_so_named_is_that_error(servers_of, name):
    t = servers_of
    t.node_for(state_key(name)).command("SET", state_key(name), "not a hash")
    assert_reported(run("statesync-pub", *t.args, "-r", name, "v", timeout=HANG_GUARD), "pub", "WRONGTYPE")
    assert_reported(run("statesync-sub", *t.args, "-R", "-C", 1, name, timeout=HANG_GUARD), "sub", "WRONGTYPE")
