"""statesync-lock --check: a monitoring plugin (Nagios, Icinga, Sensu,
Zabbix, Checkmk) by the monitoring-plugins conventions: exit 0 OK,
1 WARNING, 2 CRITICAL, 3 UNKNOWN; one line, performance data after '|'."""

import re
import subprocess

import pytest

from conftest import run
from test_lock_history import lock, server_ms

# monitoring-plugins' development guidelines: 'label'=value[UOM];[warn];[crit];[min];[max]
PERFDATA = re.compile(r"'([^'=]+)'=(-?[0-9.]+)(us|ms|s|%|B|KB|MB|TB|c)?;([0-9.]*);([0-9.]*);([0-9.]*);([0-9.]*)")


def check(redis, name, *args):
    result = lock(redis, "--check", name, *args)
    output = result.stdout.decode()
    assert output.endswith("\n") and output.count("\n") == 1, output  # one line
    text, _, perfdata = output.rstrip("\n").partition(" | ")
    parsed = {}
    for item in perfdata.split(" "):
        match = PERFDATA.fullmatch(item)
        assert match, (item, output)
        label, value, unit, warn, crit, low, high = match.groups()
        parsed[label] = (float(value), unit, warn, crit, low, high)
    return result.returncode, text, parsed


def age_past(redis, ms):
    """Until the server's clock is `ms` past now (bounded)."""
    until = server_ms(redis) + ms
    for _ in range(1000):
        if server_ms(redis) > until:
            return
        subprocess.run(["sleep", "0.01"])
    raise AssertionError("the server's clock did not move")


def test_a_job_that_never_succeeded_is_critical(redis):
    status, text, perf = check(redis, "never", "--max-age", "1d")
    assert status == 2
    assert text == "CRITICAL - never has no successful run in its history (0 runs kept)"
    assert perf == {"runs": (0.0, None, "", "", "0", "")}
    assert lock(redis, "never", "-c", "exit 3").returncode == 3
    assert check(redis, "never", "--max-age", "1d")[:2] == (
        2, "CRITICAL - never has no successful run in its history (1 runs kept)")


def test_a_recent_success_is_ok_and_ages_into_warning_then_critical(redis):
    assert lock(redis, "nightly", "-c", "sleep 0.1", host="web-1").returncode == 0
    status, text, perf = check(redis, "nightly", "--max-age", "1h", "--warn-age", "30m")
    assert status == 0, text
    assert re.fullmatch(r"OK - nightly succeeded \d+s ago on web-1 \(fence 1, ran \ds\)", text), text
    age, unit, warn, crit, low, high = perf["age"]
    assert (unit, warn, crit, low, high) == ("s", "1800", "3600", "0", "")
    assert 0 <= age < 3600
    assert perf["duration"][1] == "s" and perf["duration"][0] >= 0.1
    assert perf["runs"][0] == 1
    age_past(redis, 30)
    status, text, perf = check(redis, "nightly", "--max-age", "1h", "--warn-age", "20ms")
    assert status == 1 and text.startswith("WARNING - nightly succeeded ") and text.endswith(
        ", older than --warn-age 20ms"), text
    assert perf["age"][2] == "0.02"
    status, text, _ = check(redis, "nightly", "--max-age", "20ms")
    assert status == 2 and text.endswith(", older than --max-age 20ms"), text


def test_a_failed_or_lost_last_run_is_critical_despite_an_earlier_success(redis):
    assert lock(redis, "job", "--", "true", host="web-1").returncode == 0
    assert lock(redis, "job", "-c", "exit 5", host="web-2").returncode == 5
    status, text, perf = check(redis, "job", "--max-age", "1d")
    assert status == 2
    assert re.fullmatch(r"CRITICAL - job: its last run failed \(exit 5\) on web-2 \d+s ago; "
                        r"job succeeded \d+s ago on web-1 \(fence 1, ran \ds\)", text), text
    assert perf["runs"][0] == 2
    assert lock(redis, "job", "--", "true", host="web-3").returncode == 0
    assert check(redis, "job", "--max-age", "1d")[0] == 0


def test_two_successes_in_one_once_per_window_are_critical(redis):
    # Runs without --once-per, so both succeed; the check knows the window.
    for host in ["web-1", "web-2"]:
        assert lock(redis, "twice", "--", "true", host=host).returncode == 0
    status, text, _ = check(redis, "twice", "--max-age", "1d", "--once-per", "365d")
    assert status == 2
    assert re.fullmatch(r"CRITICAL - twice succeeded \d+s ago on web-2 \(fence 2, ran \ds\); it also ran on web-1 "
                        r"\(fence 1\) in the same --once-per 365d window", text), text
    assert check(redis, "twice", "--max-age", "1d")[0] == 0


def test_an_unreachable_server_is_unknown(servers):
    gone = servers()
    port = gone.port
    gone.stop()
    result = run("statesync-lock", "-p", port, "--connect-timeout", "2", "--check", "job", "--max-age", "1d")
    assert result.returncode == 3, result
    assert re.fullmatch(rb"UNKNOWN - job: cannot connect to 127\.0\.0\.1:\d+: [^\n]+\n", result.stdout), result.stdout
    assert result.stderr == b""


@pytest.mark.parametrize("args,message", [
    (["--check", "job"], b"--check needs --max-age DURATION"),
    (["--check", "job", "--max-age", "1h", "--warn-age", "2h"], b"--warn-age must be shorter than --max-age"),
    (["--max-age", "1h", "job", "--", "true"], b"--max-age and --warn-age go with --check"),
    (["--check", "job", "--max-age", "soon"], b"--max-age must be a duration"),
    (["--check", "job", "--max-age", "1h", "--jitter", "5"], b"--jitter goes with running a command"),
])
def test_bad_check_options_are_usage_errors(redis, args, message):
    result = lock(redis, *args)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr and result.stderr.count(b"\n") == 1, result.stderr
