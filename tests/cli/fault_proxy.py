"""A TCP proxy between a tool and a real redis-server that fails the way
networks do, switched from the test while the tool runs (issue 22, the fault
harness). Modes, for the connections open now and those accepted later:

  pass        bytes go both ways (the start)
  delay       bytes go both ways, each chunk held `delay` seconds first
  silent      connections are accepted and read, nothing is forwarded either
              way and nothing is closed: a peer that hangs
  reset       every connection is closed with a RST (SO_LINGER 0), and new
              ones are reset as soon as accepted
  half_close  the tool's side gets a FIN (shutdown for writing) and nothing
              more, while what it sends is still read and dropped
  cut         after `cut_after` more bytes from the server, the connection is
              closed (the rest is never delivered)

Thread-based, on a free loopback port; stop() (or leaving the `with` block)
ends every thread and closes every socket, also when a test fails."""

import select
import socket
import struct
import threading
import time

MODES = ("pass", "delay", "silent", "reset", "half_close", "cut")


class FaultProxy:
    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._mode = "pass"
        self.delay = 0.0
        self.cut_after = 0
        self._pairs = []  # [client socket, server socket or None]
        self._stopping = threading.Event()
        self._changed = threading.Event()
        self.accepted = 0  # connections accepted so far: a tool reconnecting shows here
        self._threads = [threading.Thread(target=self._accept_loop, daemon=True)]
        self._threads[0].start()

    # --- control, from the test ---------------------------------------------

    @property
    def mode(self):
        return self._mode

    def set(self, mode, delay=0.0, cut_after=0):
        """Switches every connection, open or to come, to `mode`."""
        assert mode in MODES, mode
        with self._lock:
            self._mode, self.delay, self.cut_after = mode, delay, cut_after
            pairs = list(self._pairs)
        if mode == "reset":
            for pair in pairs:
                self._reset(pair)
        elif mode == "half_close":
            for client, _ in pairs:
                _shutdown(client, socket.SHUT_WR)
        self._changed.set()

    def open_connections(self):
        with self._lock:
            return sum(1 for client, _ in self._pairs if client.fileno() >= 0)

    def wait_accepted(self, count, limit=20.0):
        """Until `count` connections have been accepted in all: bounded."""
        end = time.monotonic() + limit
        while self.accepted < count:
            if time.monotonic() > end:
                raise AssertionError(f"the proxy accepted {self.accepted} connections, not {count}")
            time.sleep(0.01)

    def stop(self):
        self._stopping.set()
        self._changed.set()
        _close(self._listener)
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for client, server in pairs:
            _close(client)
            if server is not None:
                _close(server)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # --- the proxy's own threads ---------------------------------------------

    def _accept_loop(self):
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            pair = [client, None]
            with self._lock:
                self._pairs.append(pair)
                mode = self._mode
            if mode == "reset":
                self._reset(pair)
                continue
            if mode == "half_close":
                _shutdown(client, socket.SHUT_WR)
            if mode != "silent":
                try:
                    pair[1] = socket.create_connection(self.target, timeout=5)
                except OSError:
                    self._reset(pair)
                    continue
            thread = threading.Thread(target=self._pump, args=(pair,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _pump(self, pair):
        """Moves bytes for one connection, as the mode says at each step."""
        client = pair[0]
        cut_left = None
        while not self._stopping.is_set():
            server = pair[1]
            sockets = [s for s in (client, server) if s is not None and s.fileno() >= 0]
            if client not in sockets:
                return
            try:
                ready, _, _ = select.select(sockets, [], [], 0.1)
            except (OSError, ValueError):
                return
            mode = self._mode
            for source in ready:
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    self._close_pair(pair)
                    return
                if mode in ("silent", "half_close") or server is None:
                    continue  # read and dropped: a peer that hangs
                if mode == "reset":
                    self._reset(pair)
                    return
                if mode == "delay" and self.delay > 0:
                    time.sleep(self.delay)
                to_client = source is server
                if mode == "cut" and to_client:
                    if cut_left is None:
                        cut_left = self.cut_after
                    data = data[:cut_left]
                    cut_left -= len(data)
                try:
                    (client if to_client else server).sendall(data)
                except OSError:
                    self._close_pair(pair)
                    return
                if mode == "cut" and to_client and cut_left <= 0:
                    self._close_pair(pair)
                    return
            if mode != "cut":
                cut_left = None

    def _reset(self, pair):
        client, server = pair
        try:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self._close_pair(pair)

    def _close_pair(self, pair):
        _close(pair[0])
        if pair[1] is not None:
            _close(pair[1])


def _shutdown(sock, how):
    try:
        sock.shutdown(how)
    except OSError:
        pass


def _close(sock):
    try:
        sock.close()
    except OSError:
        pass
