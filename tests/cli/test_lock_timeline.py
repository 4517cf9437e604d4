"""statesync-lock --history NAME --timeline: the fleet's runs drawn in the
terminal, read back through a pseudo-terminal and pyte (a terminal
emulator), and as plain text through a pipe."""

import datetime
import fcntl
import os
import pty
import select
import signal
import struct
import termios

import pytest

from conftest import clean_env, tool_path
from test_lock_history import history, lock

pyte = pytest.importorskip("pyte", reason="python3-pyte is not installed (scripts/install-deps installs it)")

# (statesync-lock options, the command, its status, the bar's mark, its colour)
KINDS = [
    ([], "exit 0", 0, "=", "green"),
    ([], "exit 3", 3, "F", "red"),
    ([], "kill -TERM $$", 128 + signal.SIGTERM, "S", "brown"),  # pyte calls SGR 33 brown
    (["--max-runtime", "0.05"], "exec sleep 10", 128 + signal.SIGTERM, "M", "cyan"),
]


def on_screen(port, args, columns, rows, env=None):
    """The tool's screen when it has ended, with a pty as its terminal."""
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    pid, fd = pty.fork()
    if pid == 0:  # the size is set before the tool can ask for it
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.execve(tool_path("statesync-lock"), ["statesync-lock", "-p", str(port), *args],
                  clean_env({"TERM": "xterm", **(env or {})}))
    try:
        output = b""
        for _ in range(1000):  # bounded: a tool that never ends fails the test
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the tool has ended
                data = b""
            if not data:
                break
            output += data
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    stream.feed(output)
    return os.waitstatus_to_exitcode(status), screen, output


def ms(iso):
    when = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(when.timestamp() * 1000)


def scripted_fleet(redis):
    """20 runs on 3 hosts, one after another, every kind of ending."""
    for i in range(20):
        options, command, status, _, _ = KINDS[i % len(KINDS)]
        result = lock(redis, *options, "fleet", "-c", command, host=f"web-{i % 3}")
        assert result.returncode == status, result.stderr
    return history(redis, "fleet", "--all")


def test_each_run_is_in_its_lane_and_time_slot_in_colour(redis):
    records = scripted_fleet(redis)
    assert len(records) == 20
    columns = 100
    status, screen, output = on_screen(redis.port, ["--history", "--timeline", "fleet"], columns, 30)
    assert status == 0, output
    lanes = {f"web-{n}": n for n in range(3)}
    for row, host in enumerate(sorted(lanes)):
        assert screen.display[row].startswith(host + " "), screen.display
    # The documented mapping: column (t - from) * (plot - 1) / (to - from)
    # of the plot, which starts after the host names and a space.
    start = min(ms(r["waiting_since"]) for r in records)
    end = max(ms(r["end"]) for r in records)
    label = len("web-0") + 1
    plot = columns - label
    for i, record in enumerate(sorted(records, key=lambda r: ms(r["start"]))):
        kind = KINDS[i % len(KINDS)]
        column = label + (ms(record["start"]) - start) * (plot - 1) // (end - start)
        row = sorted(lanes).index(record["host"])
        cell = screen.buffer[row][column]
        assert (cell.data, cell.fg) == (kind[3], kind[4]), (record, "\n".join(screen.display))
    axis = screen.display[3]
    assert axis[label] == "|" and axis.rstrip()[-1] == "|" and set(axis[label:].rstrip()) == {"|", "-"}
    first = datetime.datetime.fromtimestamp(start // 1000, datetime.timezone.utc).strftime("%H:%M:%S")
    assert screen.display[4][label:].startswith(first), screen.display[4]
    assert "= ok" in screen.display[5] and "F failed" in screen.display[5]


def test_no_colour_without_a_terminal_or_with_no_color(redis):
    scripted_fleet(redis)
    piped = lock(redis, "--history", "--timeline", "fleet")
    assert piped.returncode == 0, piped.stderr
    text = piped.stdout.decode()
    assert "\x1b" not in text
    assert all(len(line) <= 80 for line in text.splitlines()), text  # 80 columns when not a terminal
    assert {line.split()[0] for line in text.splitlines()[:3]} == {"web-0", "web-1", "web-2"}
    status, screen, output = on_screen(redis.port, ["--history", "--timeline", "fleet"], 60, 20, {"NO_COLOR": "1"})
    assert status == 0 and b"\x1b[" not in output, output
    assert all(len(line.rstrip()) <= 60 for line in screen.display)


def test_since_draws_only_the_last_stretch(redis):
    records = scripted_fleet(redis)
    last = max(records, key=lambda r: ms(r["start"]))
    result = lock(redis, "--history", "--timeline", "--since", "1ms", "fleet")
    assert result.returncode == 0, result.stderr
    lanes = result.stdout.decode().splitlines()
    # Only runs that ended within the last millisecond are drawn: the last.
    drawn = [line for line in lanes if line.startswith("web-") and line.split(" ", 1)[1].strip()]
    assert [line.split()[0] for line in drawn] == [last["host"]], lanes


@pytest.mark.parametrize("args,message", [
    (["--timeline", "x", "--", "true"], b"--timeline goes with --history"),
    (["--history", "--since", "1h", "x"], b"--since goes with --history --timeline"),
    (["--history", "--timeline", "--json", "x"], b"--timeline draws every record kept"),
])
def test_timeline_usage_errors(redis, args, message):
    result = lock(redis, *args)
    assert result.returncode == 64 and message in result.stderr, result.stderr
