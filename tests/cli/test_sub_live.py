"""statesync-sub --live on a real pseudo-terminal: what the screen shows,
read through pyte (a terminal emulator), after bursts of messages; resizing;
and the terminal given back on every way out."""

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time

import pytest

from conftest import clean_env, run, tool_path
from test_sub import wait_subscribed

pyte = pytest.importorskip("pyte", reason="python3-pyte is not installed (scripts/install-deps installs it)")

GIVE_BACK = b"\x1b[?25h\x1b[?1049l"


class LiveTerminal:
    """statesync-sub --live ARGS with a pseudo-terminal as its controlling
    terminal, its output fed into a pyte screen."""

    def __init__(self, args, columns=100, rows=24):
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.output = b""
        env = clean_env({"TERM": "xterm"})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(tool_path("statesync-sub"), ["statesync-sub", "--live", *map(str, args)], env)
        self.resize(columns, rows, signal_it=False)
        self.status = None

    def resize(self, columns, rows, signal_it=True):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.screen.resize(rows, columns)
        if signal_it:
            os.kill(self.pid, signal.SIGWINCH)

    def read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the tool has ended and closed the terminal
            data = b""
        if not data:
            return None
        self.output += data
        self.stream.feed(data)
        return True

    def rows(self):
        """{channel: (messages, payload)} from the screen's table."""
        table = {}
        for line in self.screen.display[1:]:
            fields = line.split(None, 4)
            if len(fields) >= 4 and fields[1].isdigit():
                table[fields[0]] = (int(fields[1]), fields[4].rstrip() if len(fields) == 5 else "")
        return table

    def wait_for(self, condition, what, limit=30):
        """Reads until `condition()` holds: bounded, so a screen that never
        shows it fails the test."""
        end = time.monotonic() + limit
        while not condition():
            if time.monotonic() > end or self.read(0.5) is None:
                raise AssertionError(f"the screen never showed {what}:\n" + "\n".join(self.screen.display))

    def finish(self):
        """Reads to the end and returns the exit status."""
        end = time.monotonic() + 30
        while self.read(0.5) is not None and time.monotonic() < end:
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            os.close(self.fd)


@pytest.fixture
def live():
    started = []

    def make(*args, **kwargs):
        terminal = LiveTerminal(args, **kwargs)
        started.append(terminal)
        return terminal

    yield make
    for terminal in started:
        terminal.kill()


def publish(redis, channel, payloads):
    with redis.client() as client:
        for payload in payloads:
            client.command("PUBLISH", channel, payload)


def test_a_burst_shows_every_channels_last_payload_and_exact_count(redis, live):
    channels = ["alpha", "beta", "gamma", "temp/ü"]
    term = live("-p", redis.port, *channels)
    for channel in channels:
        wait_subscribed(redis, channel)
    publish(redis, "gamma", [f"g-{i}" for i in range(1000)])
    publish(redis, "alpha", [b"first", b"tab\there\nand a bell \x07 \xff"])
    publish(redis, "temp/ü", ["21.5 °C"])
    expected = {"alpha": (2, "tab\\there\\nand a bell \\x07 \\xff"), "beta": (0, ""), "gamma": (1000, "g-999"),
                "temp/ü": (1, "21.5 °C")}
    term.wait_for(lambda: term.rows() == expected, "the counts and payloads")
    # Sorted by channel, under a header.
    assert term.screen.display[0].split()[:2] == ["CHANNEL", "MESSAGES"]
    assert [line.split()[0] for line in term.screen.display[1:5]] == sorted(channels)
    os.write(term.fd, b"\x03")  # Ctrl-C
    assert term.finish() == 130
    assert term.output.endswith(GIVE_BACK)


def test_payloads_are_cut_to_the_width_and_follow_a_resize(redis, live):
    term = live("-p", redis.port, "wide", columns=60)
    wait_subscribed(redis, "wide")
    publish(redis, "wide", ["x" * 300])
    term.wait_for(lambda: term.rows().get("wide", (0, ""))[0] == 1, "the message")
    assert term.screen.display[1].endswith("x") and len(term.screen.display[1]) == 60
    shown = term.rows()["wide"][1]
    term.resize(120, 24)
    term.wait_for(lambda: len(term.rows()["wide"][1]) == len(shown) + 60, "the payload redrawn at 120 columns")
    os.kill(term.pid, signal.SIGTERM)
    assert term.finish() == 143
    assert term.output.endswith(GIVE_BACK)


def test_retained_states_fill_the_table_first_and_count_ends_it(redis, live):
    assert run("statesync-pub", "-p", redis.port, "-r", "cfg", "state-3").returncode == 0
    term = live("-p", redis.port, "-R", "-C", "2", "cfg", "other")
    term.wait_for(lambda: term.rows().get("cfg") == (1, "state-3"), "the retained state")
    wait_subscribed(redis, "cfg")
    publish(redis, "other", ["live"])
    assert term.finish() == 0
    assert term.output.endswith(GIVE_BACK)


def test_the_terminal_settings_come_back(redis, live):
    term = live("-p", redis.port, "-w", "0.5", "ch")
    # The view turns echo off while it runs (typed keys would land on the
    # table), and gives it back at the end.
    term.wait_for(lambda: not termios.tcgetattr(term.fd)[3] & termios.ECHO, "echo turned off")
    end = time.monotonic() + 30
    while term.read(0.5) is not None and time.monotonic() < end:
        pass
    assert termios.tcgetattr(term.fd)[3] & termios.ECHO
    assert term.finish() == 0
    assert term.output.endswith(GIVE_BACK)


def test_not_a_terminal_is_refused():
    result = run("statesync-sub", "--live", "ch")
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-sub: --live needs a terminal")
    assert result.stdout == b""
