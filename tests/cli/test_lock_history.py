"""statesync-lock for operations: the fleet-wide run history (--history,
--history-len, what --status and --list add), --metrics-file read back by
a real Prometheus parser, --jitter and --once-per."""

import datetime
import json
import os
import re
import signal
import subprocess

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import run, spawn
from test_lock import read_ready, stop

TOOL = "statesync-lock"


def lock(redis, *args, host=None, **kwargs):
    env = {"STATESYNC_HOSTNAME": host} if host else None
    return run(TOOL, "-p", redis.port, *args, env=env, **kwargs)


def start(redis, *args, host=None, **kwargs):
    env = {"STATESYNC_HOSTNAME": host} if host else None
    return spawn(TOOL, "-p", redis.port, *args, env=env, **kwargs)


def key(name, part):
    return f"statesync:lock:{{{name}}}:{part}"


def history(redis, name, *args):
    result = lock(redis, "--history", "--json", *args, name)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the run history -----------------------------------------------------------------

def test_fifty_runs_on_three_hosts_with_killed_holders_leave_one_record_each(redis):
    """Every run leaves exactly one record, in the order they ran, with how
    it ended: a SIGKILLed holder's by the next acquirer, who finds its lease
    ended without one."""
    expected = []  # (host, outcome, exit status, signal)
    for i in range(50):
        host = f"host{i % 3}"
        kind = i % 5
        if kind == 0:
            result = lock(redis, "--ttl", "0.5", "job", "-c", "exit 0", host=host)
            assert result.returncode == 0, result.stderr
            expected.append((host, "ok", 0, 0))
        elif kind == 1:
            result = lock(redis, "--ttl", "0.5", "job", "-c", "exit 3", host=host)
            assert result.returncode == 3, result.stderr
            expected.append((host, "failed", 3, 0))
        elif kind == 2:
            result = lock(redis, "--ttl", "0.5", "job", "-c", "kill -TERM $$", host=host)
            assert result.returncode == 128 + signal.SIGTERM, result.stderr
            expected.append((host, "signal", 0, signal.SIGTERM))
        elif kind == 3:
            holder = start(redis, "--ttl", "0.5", "job", "-c", "echo ready; exec sleep 100", host=host)
            try:
                read_ready(holder)
            finally:
                holder.send_signal(signal.SIGKILL)
                holder.wait()
            expected.append((host, "vanished", 0, 0))
        else:
            holder = start(redis, "--ttl", "0.5", "job", "-c", "echo ready; read line || true", host=host,
                           stdin=subprocess.PIPE)
            try:
                read_ready(holder)
                refused = lock(redis, "-n", "job", "--", "true", host="other")
                assert refused.returncode == 1, refused.stderr
                holder.stdin.close()
                assert holder.wait(timeout=30) == 0
            finally:
                stop(holder)
            # Sorted by start (a refusal by when it was refused): the run
            # started before the refusal.
            expected.append((host, "ok", 0, 0))
            expected.append(("other", "refused", 0, 0))
    records = history(redis, "job", "--all")[::-1]  # oldest first
    assert [(r["host"], r["outcome"], r["exit_status"], r["signal"]) for r in records] == expected
    fences = [r["fence"] for r in records if r["outcome"] != "refused"]
    assert fences == list(range(1, len(fences) + 1))
    refusals = [r for r in records if r["outcome"] == "refused"]
    assert all(re.fullmatch(r"host\d:\d+", r["refused_by"]) for r in refusals)
    assert all(r["start"] is None and r["fence"] == 0 for r in refusals)


def test_history_lines_newest_first_and_count(redis):
    for command in ["exit 0", "exit 4"]:
        lock(redis, "two", "-c", command, host="web1")
    result = lock(redis, "--history", "two")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert len(lines) == 2
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(stamp + r" web1:\d+ fence 2 failed \(exit 4\), ran \d+\.\d{3}s, waited \d+\.\d{3}s",
                        lines[0]), lines[0]
    assert re.fullmatch(stamp + r" web1:\d+ fence 1 ok, ran \d+\.\d{3}s, waited \d+\.\d{3}s", lines[1]), lines[1]
    assert lock(redis, "--history", "-C", "1", "two").stdout.decode().splitlines() == lines[:1]
    assert lock(redis, "--history", "nothing").stdout == b""


def test_times_are_the_servers(redis):
    lock(redis, "timed", "-c", "exit 0")
    [record] = history(redis, "timed")
    seconds, micros = (int(x) for x in redis.command("TIME"))
    server_ms = seconds * 1000 + micros // 1000
    stream_ms = int(record["id"].split("-")[0])
    # The record is written by the server's script, at the server's time.
    assert stream_ms <= server_ms
    assert record["end"] == history(redis, "timed")[0]["end"]
    assert redis.command("XLEN", key("timed", "history")) == 1


def test_max_runtime_and_lost_are_recorded(redis):
    result = lock(redis, "--max-runtime", "0.2", "slow", "-c", "exec sleep 100")
    assert result.returncode == 128 + signal.SIGTERM
    holder = start(redis, "--ttl", "1", "slow", "-c", "echo ready; exec sleep 100")
    try:
        read_ready(holder)
        redis.command("DEL", "statesync:lock:{slow}")
        assert holder.wait(timeout=20) == 75
    finally:
        stop(holder)
    lost, slow = history(redis, "slow")
    assert (slow["outcome"], slow["signal"], slow["max_runtime_hit"]) == ("signal", signal.SIGTERM, True)
    assert (lost["outcome"], lost["max_runtime_hit"]) == ("lost", False)
    assert b"--max-runtime hit" in lock(redis, "--history", "slow").stdout
    assert b"lost (75)" in lock(redis, "--history", "slow").stdout


def test_hold_and_semaphore_runs_leave_one_record_each(redis):
    """--hold writes the record when the command ends, and the lease that
    runs on is not taken for a vanished holder; a semaphore's killed holder
    is recorded like a lock's."""
    assert lock(redis, "--hold", "60", "held", "--", "true").returncode == 0
    assert lock(redis, "--status", "held").returncode == 0  # still held
    assert lock(redis, "--release", "held").returncode == 0  # ends the hold
    assert lock(redis, "-n", "held", "--", "true").returncode == 0
    assert [r["outcome"] for r in history(redis, "held")] == ["ok", "ok"]
    killed = start(redis, "--limit", "2", "--ttl", "3", "pool", "-c", "echo ready; exec sleep 100", host="k")
    try:
        read_ready(killed)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    assert lock(redis, "--limit", "2", "pool", "-c", "exit 0", host="a").returncode == 0
    assert [(r["host"], r["outcome"]) for r in history(redis, "pool")] == [("a", "ok")]  # k's lease runs on
    # An inspector finds k's lease ended (bounded polling: no event says when).
    for _ in range(2000):
        records = history(redis, "pool")
        if len(records) == 2:
            break
        subprocess.run(["sleep", "0.01"])
    # Sorted by start: k started first.
    assert [(r["host"], r["outcome"]) for r in records] == [("a", "ok"), ("k", "vanished")]


def test_history_len_caps_the_stream_and_zero_turns_it_off(redis):
    for _ in range(5):
        assert lock(redis, "--history-len", "3", "capped", "--", "true").returncode == 0
    assert redis.command("XLEN", key("capped", "history")) == 3
    assert [r["fence"] for r in history(redis, "capped")] == [5, 4, 3]
    assert lock(redis, "--history-len", "0", "off", "--", "true").returncode == 0
    assert redis.command("EXISTS", key("off", "history"), key("off", "runs")) == 0


def test_status_and_list_show_the_last_runs(redis):
    lock(redis, "nightly", "-c", "exit 0", host="db1")
    lock(redis, "nightly", "-c", "exit 2", host="db2")
    status = lock(redis, "--status", "nightly")
    assert status.returncode == 1
    lines = status.stdout.decode().splitlines()
    assert lines[0] == "nightly free (last fencing token 2)"
    assert re.fullmatch(r"  last run: \S+ db2:\d+ fence 2 failed \(exit 2\), .*", lines[1]), lines
    assert re.fullmatch(r"  last success: \S+ db1:\d+ fence 1 ok, .*", lines[2]), lines
    assert re.fullmatch(r"  last failure: \S+ db2:\d+ fence 2 failed \(exit 2\), .*", lines[3]), lines
    as_json = json.loads(lock(redis, "--status", "--json", "nightly").stdout)
    assert (as_json["last_run"]["host"], as_json["last_success"]["host"]) == ("db2", "db1")
    assert as_json["last_failure"]["exit_status"] == 2
    lock(redis, "other", "--", "true")
    listed = lock(redis, "--list").stdout.decode().splitlines()
    assert listed[0] == "nightly free (last fencing token 2)" and "failed (exit 2)" in listed[1]
    assert listed[2] == "other free (last fencing token 1)" and " ok, " in listed[3]
    [entry] = json.loads(lock(redis, "--list", "--json", "oth*").stdout)
    assert entry["last_run"]["outcome"] == "ok"


def test_history_key_of_the_wrong_type_is_quoted(redis):
    redis.command("SET", key("typo", "history"), "not a stream")
    result = lock(redis, "typo", "--", "echo", "ran")
    assert (result.returncode, result.stdout) == (69, b"")
    assert result.stderr.startswith(b"statesync-lock: cannot acquire lock 'typo': WRONGTYPE")
    assert redis.command("EXISTS", "statesync:lock:{typo}") == 0  # not taken
    shown = lock(redis, "--history", "typo")
    assert shown.returncode == 69 and b"WRONGTYPE" in shown.stderr


# --- metrics -----------------------------------------------------------------------

def metrics(path):
    samples = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            samples[(sample.name, sample.labels["lock"], sample.labels["host"])] = sample.value
    return samples


def test_metrics_file_after_success_failure_loss_and_refusal(redis, tmp_path):
    (tmp_path / "metrics").mkdir()
    prom = tmp_path / "metrics" / "lock.prom"
    common = ["--metrics-file", prom, "--ttl", "1"]
    assert lock(redis, *common, "backup", "-c", "sleep 0.1", host="a").returncode == 0
    first = metrics(prom)
    assert first[("statesync_lock_runs_total", "backup", "a")] == 1
    assert first[("statesync_lock_last_exit_status", "backup", "a")] == 0
    assert first[("statesync_lock_last_lost", "backup", "a")] == 0
    start_s = first[("statesync_lock_last_start_timestamp_seconds", "backup", "a")]
    end_s = first[("statesync_lock_last_end_timestamp_seconds", "backup", "a")]
    assert first[("statesync_lock_last_success_timestamp_seconds", "backup", "a")] == end_s
    # Whole milliseconds: the duration is exact, the difference of two floats is not.
    assert first[("statesync_lock_last_duration_seconds", "backup", "a")] == pytest.approx(end_s - start_s, abs=1e-6)
    record = history(redis, "backup")[0]
    # The server's clock: the record's end, from the same script's TIME (the
    # entry ID's milliseconds come from XADD's own reading, which may be one
    # millisecond later).
    ended = datetime.datetime.strptime(record["end"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert round(ended.timestamp() * 1000) == round(end_s * 1000)

    assert lock(redis, *common, "backup", "-c", "exit 5", host="a").returncode == 5
    holder = start(redis, *common, "backup", "-c", "echo ready; exec sleep 100", host="a")
    try:
        read_ready(holder)
        assert lock(redis, *common, "-n", "backup", "--", "true", host="b").returncode == 1
        redis.command("DEL", "statesync:lock:{backup}")
        assert holder.wait(timeout=20) == 75
    finally:
        stop(holder)
    after = metrics(prom)
    assert after[("statesync_lock_runs_total", "backup", "a")] == 3
    assert after[("statesync_lock_losses_total", "backup", "a")] == 1
    assert after[("statesync_lock_last_exit_status", "backup", "a")] == 75
    assert after[("statesync_lock_last_lost", "backup", "a")] == 1
    assert after[("statesync_lock_last_success_timestamp_seconds", "backup", "a")] == end_s
    assert after[("statesync_lock_refusals_total", "backup", "b")] == 1
    assert after[("statesync_lock_runs_total", "backup", "b")] == 0  # every counter from the first write
    types = {f.name: f.type for f in text_string_to_metric_families(prom.read_text())}
    assert types["statesync_lock_runs"] == "counter" and types["statesync_lock_last_duration_seconds"] == "gauge"
    assert os.listdir(tmp_path / "metrics") == ["lock.prom"]  # no temporary file left


def test_metrics_labels_are_escaped_and_read_back(redis, tmp_path):
    prom = tmp_path / "odd.prom"
    name, host = 'we"ird\\name', 'h\\"1'
    for _ in range(2):
        assert lock(redis, "--metrics-file", prom, name, "--", "true", host=host).returncode == 0
    assert lock(redis, "--metrics-file", prom, "plain", "--", "true", host="h2").returncode == 0
    samples = metrics(prom)
    assert samples[("statesync_lock_runs_total", name, host)] == 2
    assert samples[("statesync_lock_runs_total", "plain", "h2")] == 1


def test_metrics_directory_that_cannot_be_written_fails_before_the_lock(redis, tmp_path):
    result = lock(redis, "--metrics-file", tmp_path / "missing" / "lock.prom", "m", "--", "echo", "ran")
    assert (result.returncode, result.stdout) == (74, b"")
    assert result.stderr == (b"statesync-lock: cannot write the metrics file %s: directory %s: No such file or "
                             b"directory\n" % (bytes(tmp_path / "missing" / "lock.prom"),
                                               bytes(tmp_path / "missing")))
    assert redis.command("EXISTS", key("m", "fence")) == 0


# --- jitter and windows ----------------------------------------------------------------

def test_jitter_is_bounded_and_shown(redis):
    for _ in range(5):
        result = lock(redis, "-v", "--jitter", "0.3", "spread", "--", "true")
        assert result.returncode == 0, result.stderr
        shown = re.search(rb"waiting (\d+\.\d{3})s \(--jitter 0\.300s\) before trying 'spread'", result.stderr)
        assert shown, result.stderr
        assert 0 <= float(shown.group(1)) <= 0.3


def test_jitter_is_interrupted_by_sigterm(redis, tmp_path):
    process = start(redis, "-v", "--jitter", "1h", "patient", "-c", "touch ran")
    try:
        for line in process.stderr:  # after "connecting to ..."
            if b"before trying 'patient'" in line:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        stop(process)
    assert not (tmp_path / "ran").exists()
    assert redis.command("EXISTS", key("patient", "fence")) == 0


def server_ms(redis):
    seconds, micros = (int(x) for x in redis.command("TIME"))
    return seconds * 1000 + micros // 1000


def wait_for_window_start(redis, window_ms, margin_ms):
    """Until the server's clock is at least margin_ms before the end of a
    window (bounded: one window at most)."""
    for _ in range(window_ms // 10 + 100):
        if server_ms(redis) % window_ms < window_ms - margin_ms:
            return
        subprocess.run(["sleep", "0.01"])
    raise AssertionError("no window start seen")


def test_once_per_window_runs_once_across_eight_staggered_contenders(redis, tmp_path):
    window_ms = 6000
    wait_for_window_start(redis, window_ms, 4000)
    contenders = []
    try:
        for i in range(8):
            contenders.append(start(redis, "--once-per", "6s", "daily", "-c", f"echo {i} >> ran; sleep 0.2",
                                    host=f"h{i}", cwd=tmp_path))
            subprocess.run(["sleep", "0.05"])
        statuses = [c.wait(timeout=30) for c in contenders]
        errors = [c.stderr.read() for c in contenders]
    finally:
        for c in contenders:
            stop(c)
    assert sorted(statuses) == [0] + [1] * 7, errors
    [ran] = (tmp_path / "ran").read_text().split()
    winner = f"h{ran}"
    for status, err in zip(statuses, errors):
        if status == 1:
            assert re.fullmatch(rb"statesync-lock: 'daily' already ran in this window \(--once-per 6s\): on "
                                + winner.encode() + rb":\d+ at \S+; the next window opens in \d+\.\ds\n", err), err
    # The next window runs again.
    now = server_ms(redis)
    while server_ms(redis) // window_ms == now // window_ms:
        subprocess.run(["sleep", "0.05"])
    again = start(redis, "--once-per", "6s", "daily", "-c", "echo next >> ran", cwd=tmp_path)
    try:
        assert again.wait(timeout=30) == 0, again.stderr.read()
    finally:
        stop(again)
    assert (tmp_path / "ran").read_text().split()[-1] == "next"


def test_once_per_failed_run_leaves_the_window_open_unless_any_outcome(redis):
    wait_for_window_start(redis, 60000, 10000)
    assert lock(redis, "--once-per", "1m", "retry", "-c", "exit 3").returncode == 3
    assert lock(redis, "--once-per", "1m", "retry", "--", "true").returncode == 0
    assert lock(redis, "--once-per", "1m", "-E", "9", "retry", "--", "true").returncode == 9
    assert lock(redis, "--once-per", "1m", "--once-per-any-outcome", "strict", "-c", "exit 3").returncode == 3
    assert lock(redis, "--once-per", "1m", "strict", "--", "true").returncode == 1


@pytest.mark.parametrize("args,message", [
    (["--once-per", "soon", "n", "--", "true"], b"--once-per must be a positive duration"),
    (["--once-per", "0", "n", "--", "true"], b"--once-per must be a positive duration"),
    (["--jitter", "-1", "n", "--", "true"], b"--jitter must be a duration"),
    (["--jitter", "5x", "n", "--", "true"], b"--jitter must be a duration"),
    (["--once-per", "1h", "--limit", "2", "n", "--", "true"], b"--once-per and --limit do not go together"),
    (["--once-per-any-outcome", "n", "--", "true"], b"--once-per-any-outcome goes with --once-per"),
    (["--history-len", "-1", "n", "--", "true"], b"--history-len"),
    (["-C", "3", "--status", "n"], b"-C goes with --history"),
    (["--history"], b"--history needs a lock NAME"),
])
def test_bad_operations_options_are_usage_errors(redis, args, message):
    result = lock(redis, *args)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr and result.stderr.count(b"\n") == 1, result.stderr


# --- every run that ends is counted; refusals kept apart from the runs ---------------------

def held_by(redis, name, host):
    """A holder of `name` on `host`, ended by closing its stdin."""
    holder = start(redis, name, "-c", "echo ready; read line || true", host=host, stdin=subprocess.PIPE)
    read_ready(holder)
    return holder


def release_holder(holder):
    holder.stdin.close()
    assert holder.wait(timeout=30) == 0
    stop(holder)


def test_a_skip_and_a_refusal_write_their_metrics_with_every_counter_at_zero(redis, tmp_path):
    """README's crontab line on 500 hosts: the 499 that skip write their
    file too, and every series has its counters and its last success (0)
    from the first write, so that an alert on them fires."""
    prom = tmp_path / "fleet.prom"
    wait_for_window_start(redis, 3600000, 10000)
    assert lock(redis, "--metrics-file", prom, "--once-per", "1h", "nightly", "--", "true", host="a").returncode == 0
    skipped = lock(redis, "--metrics-file", prom, "--once-per", "1h", "nightly", "--", "true", host="b")
    assert skipped.returncode == 1 and b"already ran in this window" in skipped.stderr
    holder = held_by(redis, "other", "h")
    try:
        assert lock(redis, "--metrics-file", prom, "-n", "other", "--", "true", host="c").returncode == 1
    finally:
        release_holder(holder)
    samples = metrics(prom)
    for name, series_host, skips, refusals in [("nightly", "b", 1, 0), ("other", "c", 0, 1)]:
        assert samples[("statesync_lock_skips_total", name, series_host)] == skips
        assert samples[("statesync_lock_refusals_total", name, series_host)] == refusals
        assert samples[("statesync_lock_runs_total", name, series_host)] == 0
        assert samples[("statesync_lock_losses_total", name, series_host)] == 0
        assert samples[("statesync_lock_last_success_timestamp_seconds", name, series_host)] == 0
    assert samples[("statesync_lock_skips_total", "nightly", "a")] == 0
    [skip] = history(redis, "nightly", "--outcome", "skipped")
    assert re.fullmatch(r"a:\d+", skip["refused_by"]) and skip["host"] == "b"
    assert b"skipped (its --once-per window ran on a:" in lock(redis, "--history", "--all", "nightly").stdout


def test_metrics_values_are_printed_as_prometheus_does(redis, tmp_path):
    """Times and durations are whole milliseconds: no float noise such as
    0.10099983215332031 in the file."""
    prom = tmp_path / "clean.prom"
    for _ in range(3):
        assert lock(redis, "--metrics-file", prom, "tidy", "-c", "sleep 0.05").returncode == 0
    values = [line.rsplit(" ", 1)[1] for line in prom.read_text().splitlines() if not line.startswith("#")]
    assert values and all(re.fullmatch(r"\d+(\.\d{1,3})?", v) for v in values), values


def test_a_metrics_file_that_cannot_be_created_fails_before_the_job_runs(redis, tmp_path):
    """/proc's directory passes an access() check as root, but no file can
    be created there: found before the lock, not after the job."""
    result = lock(redis, "--metrics-file", "/proc/statesync-test.prom", "m", "-c", f"touch {tmp_path}/ran")
    assert (result.returncode, result.stdout) == (74, b""), result.stderr
    assert result.stderr.startswith(b"statesync-lock: cannot write the metrics file /proc/statesync-test.prom: ")
    assert result.stderr.count(b"\n") == 1
    assert not (tmp_path / "ran").exists()
    assert redis.command("EXISTS", key("m", "fence"), key("m", "history")) == 0


def test_refusals_do_not_crowd_the_runs_out_of_the_history(redis):
    """With --history-len 3 and five refusals after every run, the history
    still holds the last three runs; the refusals have a bound of their own."""
    for _ in range(4):
        holder = start(redis, "--history-len", "3", "crowded", "-c", "echo ready; read line || true", host="winner",
                       stdin=subprocess.PIPE)
        try:
            read_ready(holder)
            for i in range(5):
                assert lock(redis, "--history-len", "3", "-n", "crowded", "--", "true", host=f"h{i}").returncode == 1
        finally:
            release_holder(holder)
    runs = history(redis, "crowded")
    assert [(r["host"], r["fence"]) for r in runs] == [("winner", 4), ("winner", 3), ("winner", 2)]
    everything = history(redis, "crowded", "--all")
    assert [r["outcome"] for r in everything].count("refused") == 3
    assert len(everything) == 6
    text = lock(redis, "--history", "crowded").stdout.decode().splitlines()
    assert len(text) == 4 and text[-1] == "(3 refused or skipped attempts kept apart: --all shows them)", text


def test_history_sorted_by_start_and_filtered_by_host_and_outcome(redis):
    """A semaphore's run that started first but ended last is listed by its
    start (the time the line shows), not by when its record was written."""
    first = start(redis, "--limit", "2", "pool", "-c", "echo ready; read line || true", host="early",
                  stdin=subprocess.PIPE)
    try:
        read_ready(first)
        assert lock(redis, "--limit", "2", "pool", "-c", "exit 4", host="late").returncode == 4
    finally:
        release_holder(first)
    lines = lock(redis, "--history", "pool").stdout.decode().splitlines()
    assert [line.split()[1].split(":")[0] for line in lines] == ["late", "early"], lines
    assert lines == sorted(lines, reverse=True)  # the times shown, newest first
    assert [r["host"] for r in history(redis, "pool", "--on-host", "early")] == ["early"]
    assert [r["host"] for r in history(redis, "pool", "--outcome", "failed")] == ["late"]
    assert history(redis, "pool", "--outcome", "lost") == []


@pytest.mark.parametrize("args,message", [
    (["--status", "-n", "x"], b"-n goes with running a command, not with --status"),
    (["--history", "-w", "5", "x"], b"-w goes with running a command, not with --history"),
    (["--list", "--jitter", "5s"], b"--jitter goes with running a command, not with --list"),
    (["--release", "--metrics-file", "/tmp/x.prom", "x"], b"--metrics-file goes with running a command"),
    (["--all", "x", "--", "true"], b"--all goes with --history"),
    (["--outcome", "ok", "--status", "x"], b"--outcome goes with --history"),
    (["--history", "--outcome", "fine", "x"], b"--outcome"),
])
def test_inspections_refuse_run_options(redis, args, message):
    result = lock(redis, *args)
    assert result.returncode == 64, result.stderr
    assert message in result.stderr and result.stderr.count(b"\n") == 1, result.stderr
