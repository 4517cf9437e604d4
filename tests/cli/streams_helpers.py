"""Shared by the stream tests: entries as a raw peer sees them, and the
readiness signal of a tail (its read blocked in the server)."""

from cluster_fixture import wait_until  # noqa: F401 (the stream tests take it from here)
from conftest import spawn


def blocked_readers(redis):
    clients = redis.command("CLIENT", "LIST").decode()
    return sum(1 for line in clients.splitlines() if "cmd=xread" in line and "flags=b" in line)


def entries(redis, key):
    """[(id, {field: value})] as XRANGE gives them, bytes throughout."""
    reply = redis.command("XRANGE", key, "-", "+")
    return [(item[0], dict(zip(item[1][0::2], item[1][1::2]))) for item in reply]


def tail(redis, *args, **kwargs):
    """A statesync-sub --stream that is reading (blocked in XREAD)."""
    before = blocked_readers(redis)
    process = spawn("statesync-sub", "-p", redis.port, "--stream", *args, **kwargs)
    wait_until(lambda: blocked_readers(redis) > before or process.poll() is not None, "the tail to block")
    return process


def stop(process):
    if process.poll() is None:
        process.kill()
    process.wait()
