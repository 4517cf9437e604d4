"""Real redis-server processes for the tests: free loopback ports, a
temporary folder each, readiness by PING, and always stopped again."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from resp import RespConnection


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """One redis-server. `tls` is a Certificates instance or None."""

    def __init__(self, workdir, password=None, acl_lines=(), tls=None, extra=()):
        self.dir = tempfile.mkdtemp(prefix="redis-", dir=workdir)
        self.password = password
        self.acl_lines = list(acl_lines)
        self.tls = tls
        self.extra = list(extra)
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.socket_path = os.path.join(self.dir, "redis.sock")
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def _config(self):
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            f"dir {self.dir}",
            f"unixsocket {self.socket_path}",
            "unixsocketperm 700",
            'save ""',
            "appendonly no",
            "daemonize no",
            f"logfile {self.dir}/redis.log",
            "enable-debug-command local",
        ]
        if self.password:
            lines.append(f"requirepass {self.password}")
        for acl in self.acl_lines:
            lines.append(f"user {acl}")
        if self.tls:
            lines += [
                f"tls-port {self.tls_port}",
                f"tls-cert-file {self.tls.server_cert}",
                f"tls-key-file {self.tls.server_key}",
                f"tls-ca-cert-file {self.tls.ca_cert}",
                "tls-auth-clients optional",
            ]
        return "\n".join(lines + self.extra) + "\n"

    def start(self):
        first = self.process is None
        for attempt in range(5):
            config = os.path.join(self.dir, "redis.conf")
            with open(config, "w") as f:
                f.write(self._config())
            self.process = subprocess.Popen(
                ["redis-server", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                self.wait_ready()
                return self
            except RuntimeError:
                # A free port can be taken by another test's server between
                # our asking and redis-server binding it: a first start then
                # goes again on other ports (a restart keeps its own).
                if not first or attempt == 4 or "Address already in use" not in self.log():
                    raise
                self.stop()
                self._choose_ports_again()
        return self

    def _choose_ports_again(self):
        self.port = free_port()
        if self.tls:
            self.tls_port = free_port()
        self.extra = [f"cluster-port {free_port()}" if line.startswith("cluster-port ") else line
                      for line in self.extra]

    def wait_ready(self, limit=20.0):
        """Readiness is a PING that answers (bounded: a server that never
        comes up fails the test rather than hanging it)."""
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log()}")
            try:
                with self.client() as c:
                    reply = c.command("PING")
                    if reply in (b"PONG", "PONG") or isinstance(reply, Exception):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not answer PING")

    def client(self):
        return RespConnection.authenticated(self.port, self.password)

    def command(self, *args):
        with self.client() as c:
            return c.command(*args)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self):
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def restart(self):
        """Kill and start again on the same ports, empty."""
        self.stop()
        self.start()

    def log(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Certificates:
    """A CA, a server certificate for 127.0.0.1/localhost, a client
    certificate, and certificates that must be refused: made at test time."""

    def __init__(self, workdir):
        self.dir = tempfile.mkdtemp(prefix="certs-", dir=workdir)
        d = self.dir
        self.ca_key, self.ca_cert = f"{d}/ca.key", f"{d}/ca.crt"
        self.other_ca_key, self.other_ca_cert = f"{d}/other-ca.key", f"{d}/other-ca.crt"
        self.server_key, self.server_cert = f"{d}/server.key", f"{d}/server.crt"
        self.client_key, self.client_cert = f"{d}/client.key", f"{d}/client.crt"
        self.wrong_host_key, self.wrong_host_cert = f"{d}/wrong.key", f"{d}/wrong.crt"
        self.expired_key, self.expired_cert = f"{d}/expired.key", f"{d}/expired.crt"
        self._make_ca(self.ca_key, self.ca_cert, "statesync test CA")
        self._make_ca(self.other_ca_key, self.other_ca_cert, "another CA")
        self._sign(self.server_key, self.server_cert, "localhost", "DNS:localhost,IP:127.0.0.1")
        self._sign(self.client_key, self.client_cert, "client", None)
        self._sign(self.wrong_host_key, self.wrong_host_cert, "elsewhere", "DNS:elsewhere.example")
        self._sign(self.expired_key, self.expired_cert, "localhost", "DNS:localhost,IP:127.0.0.1", expired=True)

    def _run(self, *args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    def _make_ca(self, key, cert, name):
        self._run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                  "-days", "2", "-subj", f"/CN={name}")

    def _sign(self, key, cert, name, san, expired=False):
        csr = cert + ".csr"
        self._run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={name}")
        ext = cert + ".ext"
        with open(ext, "w") as f:
            if san:
                f.write(f"subjectAltName={san}\n")
        if expired:
            # `openssl x509` refuses a validity in the past; `openssl ca` takes dates.
            self._sign_expired(csr, cert, san)
            return
        self._run("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key, "-CAcreateserial",
                  "-out", cert, "-extfile", ext, "-days", "2")

    def _sign_expired(self, csr, cert, san):
        d = self.dir
        open(f"{d}/index.txt", "w").close()
        with open(f"{d}/serial", "w") as f:
            f.write("1000\n")
        with open(f"{d}/ca.cnf", "w") as f:
            f.write(f"[ca]\ndefault_ca = ca_section\n[ca_section]\ndatabase = {d}/index.txt\n"
                    f"new_certs_dir = {d}\nserial = {d}/serial\ndefault_md = sha256\npolicy = any\n"
                    f"[any]\ncommonName = supplied\n[ext]\nsubjectAltName = {san}\n")
        self._run("ca", "-batch", "-config", f"{d}/ca.cnf", "-cert", self.ca_cert, "-keyfile", self.ca_key,
                  "-in", csr, "-out", cert, "-startdate", "20200101000000Z", "-enddate", "20200102000000Z",
                  "-extensions", "ext")
