"""The fault proxy itself (tests/cli/fault_proxy.py), through the tools: each
mode does what the matrix relies on, and a tool meets it with the documented
status and one line."""

import pytest

from conftest import run
from fault_proxy import FaultProxy

FAST = ["--connect-timeout", "0.5", "--timeout", "0.5"]


def publish(proxy):
    return run("statesync-pub", "-p", proxy.port, *FAST, "ch", "x", timeout=30)


def test_pass_and_delay_forward_everything(redis):
    with FaultProxy(redis.port) as proxy:
        assert publish(proxy).returncode == 0
        proxy.set("delay", delay=0.05)
        result = publish(proxy)
        assert result.returncode == 0, result.stderr
        assert proxy.accepted == 2


@pytest.mark.parametrize("mode, kwargs", [("silent", {}), ("reset", {}), ("half_close", {}),
                                          ("cut", {"cut_after": 0}), ("cut", {"cut_after": 3})])
def test_a_failing_mode_ends_a_publish_with_69_and_one_line(redis, mode, kwargs):
    with FaultProxy(redis.port) as proxy:
        proxy.set(mode, **kwargs)
        result = publish(proxy)
        err = result.stderr.decode().splitlines()
        assert result.returncode == 69, err
        assert len(err) == 1 and err[0].startswith("statesync-pub: "), err
        assert proxy.accepted >= 1  # it went through the proxy, not around it


def test_back_to_pass_works_again(redis):
    with FaultProxy(redis.port) as proxy:
        proxy.set("reset")
        assert publish(proxy).returncode == 69
        proxy.set("pass")
        assert publish(proxy).returncode == 0
