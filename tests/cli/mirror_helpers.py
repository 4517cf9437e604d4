"""What the --to-file / --to-dir / --rollout tests share: publishing a
retained state and waiting, bounded, for what a file or a log says."""

import os
import time

from conftest import run


def retain(redis, channel, payload):
    result = run("statesync-pub", "-p", redis.port, "-r", "-x", channel, input=payload)
    assert result.returncode == 0, result.stderr


def read_or_none(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def wait_until(predicate, what, process=None, limit=20.0):
    """Polls `predicate` (a file the tool writes is the readiness signal);
    bounded, and fails at once when `process` has exited."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if predicate():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {what}: {process.stderr.read()!r}")
        time.sleep(0.01)
    raise AssertionError(f"not seen within {limit}s: {what}")


def wait_content(path, content, process=None):
    wait_until(lambda: read_or_none(path) == content, f"{path} holding {content[:40]!r}", process)


def log_lines(path):
    data = read_or_none(path)
    return [] if data is None else data.decode().splitlines()


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except Exception:
            process.kill()
            process.wait()


def tree(root):
    """Every path under `root`, relative, for "nothing written outside"."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found
