"""Real Redis Clusters and Sentinel groups on free loopback ports, built
from RedisServer processes; readiness is asked of the servers (CLUSTER
INFO, ROLE, SENTINEL replies), never slept for, and every wait is bounded.
Everything started is stopped again, also when starting fails."""

import os
import shutil
import subprocess
import tempfile
import time

from redis_fixture import RedisServer, free_port
from resp import RespConnection, RespError


def names_on_every_master(cluster, prefix):
    """One name per master (by its slot's owner): prefix0, prefix1 ..."""
    found = {}
    n = 0
    while len(found) < len(cluster.masters()):
        name = f"{prefix}{n}"
        found.setdefault(cluster.owner(name).port, name)
        n += 1
    return list(found.values())


def wait_until(condition, what, limit=30.0):
    """Polls `condition` until it returns something true; fails after `limit`."""
    end = time.monotonic() + limit
    last = None
    while time.monotonic() < end:
        try:
            result = condition()
            if result:
                return result
        except (OSError, RespError) as error:
            last = error
        time.sleep(0.05)
    raise RuntimeError(f"timed out waiting for {what} (last error: {last})")


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def info_fields(server, section):
    raw = text(server.command("INFO", section))
    return dict(line.split(":", 1) for line in raw.splitlines() if ":" in line)


class Cluster:
    """`masters` masters, each with `replicas` replicas, slots spread evenly."""

    def __init__(self, workdir, masters=3, replicas=0, node_timeout_ms=1000):
        self.workdir = workdir
        self.nodes = []
        self.master_count = masters
        self.replica_count = replicas
        self.node_timeout_ms = node_timeout_ms

    def start(self):
        try:
            for _ in range(self.master_count * (1 + self.replica_count)):
                node = RedisServer(self.workdir, extra=[
                    "cluster-enabled yes",
                    "cluster-config-file nodes.conf",
                    # The bus port is the data port + 10000 unless given:
                    # that may be taken, or past 65535.
                    f"cluster-port {free_port()}",
                    f"cluster-node-timeout {self.node_timeout_ms}",
                    # A replica must take over however long it was apart.
                    "cluster-replica-validity-factor 0",
                ])
                self.nodes.append(node)
                node.start()
            addresses = [f"127.0.0.1:{n.port}" for n in self.nodes]
            created = subprocess.run(
                ["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", str(self.replica_count),
                 "--cluster-yes"], capture_output=True, timeout=60)
            if created.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout!r} {created.stderr!r}")
            self.wait_healthy()
        except BaseException:
            self.cleanup()
            raise
        return self

    def wait_healthy(self, limit=30.0):
        """Every running node says cluster_state:ok, agrees on the slots'
        owners, and every replica's link to its master is up."""
        def healthy():
            for node in self.running():
                if "cluster_state:ok" not in text(node.command("CLUSTER", "INFO")):
                    return False
                role = node.command("ROLE")
                if text(role[0]) == "slave" and text(role[3]) != "connected":
                    return False
            tables = {tuple(self.slot_table(n)) for n in self.running()}
            return len(tables) == 1 and sum(e - s + 1 for s, e, _ in next(iter(tables))) == 16384
        wait_until(healthy, "the cluster to be healthy", limit)

    def running(self):
        return [n for n in self.nodes if n.process and n.process.poll() is None]

    def masters(self):
        return [n for n in self.running() if text(n.command("ROLE")[0]) == "master"]

    def replicas_of(self, master):
        node_id = text(master.command("CLUSTER", "MYID"))
        return [n for n in self.running() if self.master_id_of(n) == node_id]

    @staticmethod
    def master_id_of(node):
        """The id of the master a replica follows; None for a master."""
        for line in text(node.command("CLUSTER", "NODES")).splitlines():
            fields = line.split()
            if "myself" in fields[2]:
                return fields[3] if "slave" in fields[2] else None
        return None

    @staticmethod
    def slot_table(node):
        return sorted((e[0], e[1], e[2][1]) for e in node.command("CLUSTER", "SLOTS"))

    @staticmethod
    def slot_owner_port_as_seen_by(node, slot):
        for entry in node.command("CLUSTER", "SLOTS"):
            if entry[0] <= slot <= entry[1]:
                return entry[2][1]
        return None

    def keyslot(self, key):
        return self.running()[0].command("CLUSTER", "KEYSLOT", key)

    def owner(self, key):
        """The node that owns `key`'s slot."""
        port = self.slot_owner_port_as_seen_by(self.running()[0], self.keyslot(key))
        return next(n for n in self.nodes if n.port == port)

    def node(self, port):
        return next(n for n in self.nodes if n.port == port)

    def url(self, node=None):
        return (node or self.nodes[0]).url

    def migrate_slot(self, slot, source, target):
        """Moves one slot and its keys, as redis-cli --cluster reshard does."""
        source_id = text(source.command("CLUSTER", "MYID"))
        target_id = text(target.command("CLUSTER", "MYID"))
        target.command("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
        source.command("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
        while True:
            keys = source.command("CLUSTER", "GETKEYSINSLOT", slot, 100)
            if not keys:
                break
            source.command("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
        for node in (target, source, *[m for m in self.masters() if m not in (source, target)]):
            node.command("CLUSTER", "SETSLOT", slot, "NODE", target_id)
        wait_until(lambda: all(self.slot_owner_port_as_seen_by(n, slot) == target.port for n in self.running()),
                   f"every node to see slot {slot} at {target.port}")

    def failover(self, replica):
        """CLUSTER FAILOVER on `replica`: a manual failover without data loss."""
        replica.command("CLUSTER", "FAILOVER")
        wait_until(lambda: text(replica.command("ROLE")[0]) == "master", "the replica to be promoted")
        self.wait_healthy()

    def cleanup(self):
        for node in self.nodes:
            node.cleanup()


class SentinelGroup:
    """One master, one replica, three sentinels watching `name`.
    `password` protects the data nodes, `sentinel_password` the sentinels."""

    def __init__(self, workdir, name="mymaster", password=None, sentinel_password=None):
        self.workdir = workdir
        self.name = name
        self.password = password
        self.sentinel_password = sentinel_password
        self.master = None
        self.replica = None
        self.data_nodes = []
        self.sentinels = []

    def start(self):
        try:
            extra = [f"masterauth {self.password}"] if self.password else []
            self.master = RedisServer(self.workdir, password=self.password, extra=extra)
            self.data_nodes.append(self.master)
            self.master.start()
            self.replica = RedisServer(self.workdir, password=self.password,
                                       extra=extra + [f"replicaof 127.0.0.1 {self.master.port}"])
            self.data_nodes.append(self.replica)
            self.replica.start()
            wait_until(lambda: info_fields(self.replica, "replication").get("master_link_status") == "up",
                       "the replica to sync")
            for _ in range(3):
                sentinel = Sentinel(self.workdir, self)
                self.sentinels.append(sentinel)
                sentinel.start()
            self.wait_settled()
        except BaseException:
            self.cleanup()
            raise
        return self

    def wait_settled(self, limit=30.0):
        """Every sentinel names the same master, knows a replica of it and
        the other two sentinels (needed for a vote on a failover)."""
        def settled():
            addresses = set()
            for sentinel in self.sentinels:
                addresses.add(tuple(text(x) for x in sentinel.command("SENTINEL", "get-master-addr-by-name",
                                                                       self.name)))
                master = dict(zip(*[iter(text(x) for x in sentinel.command("SENTINEL", "MASTER", self.name))] * 2))
                if int(master["num-slaves"]) < 1 or int(master["num-other-sentinels"]) < 2:
                    return False
                if "s_down" in master["flags"] or "o_down" in master["flags"]:
                    return False
                if not any(dict(zip(*[iter(text(x) for x in r)] * 2))["master-link-status"] == "ok"
                           for r in sentinel.command("SENTINEL", "REPLICAS", self.name)):
                    return False
            return len(addresses) == 1
        wait_until(settled, "the sentinels to agree", limit)

    def master_port(self):
        return int(text(self.sentinels[0].command("SENTINEL", "get-master-addr-by-name", self.name)[1]))

    def current_master(self):
        return next(n for n in self.data_nodes if n.port == self.master_port())

    def sentinel_args(self):
        args = []
        for sentinel in self.sentinels:
            args += ["--sentinel", f"127.0.0.1:{sentinel.port}"]
        return args + ["--master", self.name]

    def url(self):
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.name}"

    def failover(self, kill=False):
        """Promotes the replica: SENTINEL FAILOVER (immediate), or kills the
        master and lets the sentinels agree that it is down. Returns the new
        master once every sentinel names it and it says it is one."""
        old = self.current_master()
        if kill:
            old.stop()
        else:
            self.sentinels[0].command("SENTINEL", "FAILOVER", self.name)
        new = wait_until(lambda: self.master_port() != old.port and self.current_master(), "a new master")
        wait_until(lambda: all(int(text(s.command("SENTINEL", "get-master-addr-by-name", self.name)[1])) == new.port
                               for s in self.sentinels), "every sentinel to name the new master")
        wait_until(lambda: text(new.command("ROLE")[0]) == "master", "the new master to take the role")
        return new

    def cleanup(self):
        for sentinel in self.sentinels:
            sentinel.cleanup()
        for node in self.data_nodes:
            node.cleanup()


class Sentinel:
    def __init__(self, workdir, group):
        self.dir = tempfile.mkdtemp(prefix="sentinel-", dir=workdir)
        self.group = group
        self.port = free_port()
        self.password = group.sentinel_password
        self.process = None

    def start(self):
        g = self.group
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            f"dir {self.dir}",
            f"logfile {self.dir}/sentinel.log",
            f"sentinel monitor {g.name} 127.0.0.1 {g.master.port} 2",
            f"sentinel down-after-milliseconds {g.name} 1000",
            f"sentinel failover-timeout {g.name} 3000",
            f"sentinel parallel-syncs {g.name} 1",
        ]
        if g.password:
            lines.append(f"sentinel auth-pass {g.name} {g.password}")
        if self.password:
            lines += [f"requirepass {self.password}", f"sentinel sentinel-pass {self.password}"]
        config = os.path.join(self.dir, "sentinel.conf")
        with open(config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.process = subprocess.Popen(["redis-server", config, "--sentinel"], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_until(lambda: self.command("PING") == "PONG", "a sentinel to answer")
        return self

    def client(self):
        return RespConnection.authenticated(self.port, self.password)

    def command(self, *args):
        if self.process.poll() is not None:
            raise RuntimeError("a sentinel exited")
        with self.client() as c:
            return c.command(*args)

    def cleanup(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
