"""A raw RESP2 peer for the tests: it shows exactly what the server sends,
byte for byte, without any client library in between."""

import socket


class RespError(Exception):
    pass


class RespConnection:
    def __init__(self, sock):
        self.sock = sock
        self.buffer = b""

    @classmethod
    def tcp(cls, host, port, timeout=10.0):
        sock = socket.create_connection((host, port), timeout=timeout)
        return cls(sock)

    @classmethod
    def authenticated(cls, port, password=None):
        """A connection to a loopback server, past AUTH when it wants a password."""
        c = cls.tcp("127.0.0.1", port)
        if password:
            c.command("AUTH", password)
        return c

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            elif isinstance(a, int):
                a = str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))

    def command(self, *args):
        self.send(*args)
        return self.read()

    def _fill(self):
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _line(self):
        while b"\r\n" not in self.buffer:
            self._fill()
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buffer) < n + 2:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n + 2:]
        return data

    def read(self):
        """Strings come back as bytes, errors as RespError instances."""
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise ValueError(f"not RESP: {line!r}")


class RawSubscriber(RespConnection):
    """SUBSCRIBE (or PSUBSCRIBE / SSUBSCRIBE) on a raw socket; messages
    come back as (channel, payload) with the payload's exact bytes."""

    @classmethod
    def start(cls, server, *channels, command="SUBSCRIBE"):
        sub = cls.tcp("127.0.0.1", server.port, timeout=30.0)
        if server.password:
            sub.command("AUTH", server.password)
        sub.send(command, *channels)
        for _ in channels:
            sub.read()  # the subscribe confirmations: now subscribed
        return sub

    def message(self):
        reply = self.read()
        if reply[0] in (b"message", b"smessage"):
            return reply[1], reply[2]
        if reply[0] == b"pmessage":
            return reply[2], reply[3]
        raise ValueError(f"not a message: {reply!r}")

    def messages(self, n):
        return [self.message() for _ in range(n)]
