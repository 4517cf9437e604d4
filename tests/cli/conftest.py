"""Shared fixtures for the command-line tests: the built tools, and real
redis-server processes that every test stops again, also on failure."""

import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from redis_fixture import Certificates, RedisServer  # noqa: E402
from resp import RawSubscriber  # noqa: E402

BUILD = os.environ.get("STATESYNC_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
# STATESYNC_TOOLS_DIR: the tools elsewhere, e.g. /usr/bin from the packages.
TOOLS = os.environ.get("STATESYNC_TOOLS_DIR", os.path.join(BUILD, "tools"))


def tool_path(name):
    return os.path.join(TOOLS, name)


def clean_env(extra=None):
    """The environment a user's shell would give, without our variables
    leaking in from the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("STATESYNC_", "REDIS")) or k == "STATESYNC_BUILD_DIR"}
    env.pop("NO_COLOR", None)
    if extra:
        env.update(extra)
    return env


def run(name, *args, input=None, env=None, timeout=60):
    """Runs a tool to completion; a hang fails the test (timeout)."""
    return subprocess.run([tool_path(name), *map(str, args)], input=input, capture_output=True,
                          env=clean_env(env), timeout=timeout)


def spawn(name, *args, env=None, **kwargs):
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([tool_path(name), *map(str, args)], env=clean_env(env), **kwargs)


@pytest.fixture
def servers(tmp_path):
    """A factory of servers; everything it started is stopped at the end."""
    started = []

    def make(**kwargs):
        server = RedisServer(str(tmp_path), **kwargs)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.cleanup()


@pytest.fixture
def redis(servers):
    return servers()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    return Certificates(str(tmp_path_factory.mktemp("certs")))


@pytest.fixture
def raw_subscriber():
    opened = []

    def make(server, *channels, command="SUBSCRIBE"):
        sub = RawSubscriber.start(server, *channels, command=command)
        opened.append(sub)
        return sub

    yield make
    for sub in opened:
        sub.close()
