"""The connection core as a user meets it through any tool: URLs, sockets,
TLS, authentication, timeouts, and the exit statuses they end in."""

import socket
import time

import pytest

from conftest import run

TOOL = "statesync-pub"  # any tool; the connection options are shared


def ping(*args, env=None):
    return run(TOOL, *args, "ch", "x", env=env)


def test_tcp_by_url_and_by_options(redis):
    assert ping("-u", redis.url).returncode == 0
    assert ping("-h", "127.0.0.1", "-p", redis.port).returncode == 0


def test_url_from_environment(redis):
    assert ping(env={"STATESYNC_URL": redis.url}).returncode == 0
    assert ping(env={"REDIS_URL": redis.url}).returncode == 0
    # STATESYNC_URL wins over REDIS_URL.
    result = ping(env={"STATESYNC_URL": redis.url, "REDIS_URL": "redis://127.0.0.1:1"})
    assert result.returncode == 0


def test_options_override_url_parts(redis):
    assert ping("-u", "redis://127.0.0.1:1", "-p", redis.port).returncode == 0


def test_unix_socket(redis):
    assert ping("-s", redis.socket_path).returncode == 0
    assert ping("-u", f"unix://{redis.socket_path}").returncode == 0


def test_db_is_selected(redis):
    assert ping("-u", f"{redis.url}/3").returncode == 0
    result = ping("-u", f"{redis.url}/99")
    assert result.returncode == 69
    assert b"cannot select db 99" in result.stderr and b"DB index is out of range" in result.stderr


def test_client_name_says_who(redis):
    from conftest import spawn
    sub = spawn("statesync-sub", "-p", redis.port, "ch")
    try:
        for _ in range(500):
            clients = redis.command("CLIENT", "LIST").decode()
            if "statesync-sub:" in clients:
                break
            time.sleep(0.01)
        assert f"name=statesync-sub:{socket.gethostname()}:{sub.pid}" in clients
    finally:
        sub.kill()
        sub.wait()


def test_password_from_option_url_and_environment(servers):
    server = servers(password="s3cret")
    assert ping("-p", server.port, "-a", "s3cret").returncode == 0
    assert ping("-u", f"redis://:s3cret@127.0.0.1:{server.port}").returncode == 0
    assert ping("-p", server.port, env={"STATESYNC_AUTH": "s3cret"}).returncode == 0
    assert ping("-p", server.port, env={"REDISCLI_AUTH": "s3cret"}).returncode == 0


def test_percent_decoded_password(servers):
    server = servers(password="p@ss:w/rd")
    assert ping("-u", f"redis://:p%40ss%3Aw%2Frd@127.0.0.1:{server.port}").returncode == 0


def test_wrong_password_is_refused_clearly(servers):
    server = servers(password="s3cret")
    result = ping("-p", server.port, "-a", "wrong")
    assert result.returncode == 77
    assert result.stderr.startswith(b"statesync-pub: authentication failed for user 'default'")
    assert b"WRONGPASS" in result.stderr
    assert b"wrong" not in result.stderr.replace(b"WRONGPASS", b"")


@pytest.mark.parametrize("tool, args", [("statesync-pub", ["ch", "x"]), ("statesync-sub", ["-W", "0.1", "ch"]),
                                        ("statesync-lock", ["name", "true"])])
def test_password_for_a_server_without_one_warns_once_and_goes_on(redis, tool, args):
    """As redis-cli 7.0 does ("AUTH failed: ERR AUTH <password> called
    without any password configured for the default user...")."""
    result = run(tool, "-p", redis.port, "-a", "s3cret", *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == (f"{tool}: warning: 127.0.0.1:{redis.port} has no password; going on without it (as "
                             f"redis-cli does). The server said: ERR AUTH <password> called without any password "
                             f"configured for the default user. Are you sure your configuration is correct?\n"
                             ).encode()


def test_missing_password_is_refused(servers):
    server = servers(password="s3cret")
    result = ping("-p", server.port)
    assert result.returncode == 77
    assert b"NOAUTH" in result.stderr


def test_acl_user(servers):
    server = servers(acl_lines=["app on >apppass ~* &* +@all", "default on nopass ~* &* +@all"])
    assert ping("-p", server.port, "--user", "app", "-a", "apppass").returncode == 0
    assert ping("-u", f"redis://app:apppass@127.0.0.1:{server.port}").returncode == 0
    result = ping("-p", server.port, "--user", "app", "-a", "nope")
    assert result.returncode == 77
    assert b"authentication failed for user 'app'" in result.stderr


def test_acl_user_without_permission_is_refused(servers):
    server = servers(acl_lines=["limited on >pw ~* &allowed:* +@all", "default on nopass ~* &* +@all"])
    result = run(TOOL, "-p", server.port, "--user", "limited", "-a", "pw", "forbidden", "x")
    assert result.returncode == 77
    assert b"NOPERM" in result.stderr


@pytest.mark.parametrize("url", ["bogus", "http://x", "redis://h:99999", "redis://h:port", "redis://h/db",
                                 "redis://[::1", "unix://", "redis://h:%zz@x"])
def test_url_that_does_not_parse(url):
    result = ping("-u", url)
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-pub: invalid")
    assert result.stderr.count(b"\n") == 1


def test_password_in_bad_url_is_not_echoed():
    result = ping("-u", "redis://user:topsecret@h:bad")
    assert result.returncode == 64
    assert b"topsecret" not in result.stderr


def test_unknown_option_is_usage():
    result = run(TOOL, "--no-such-option")
    assert result.returncode == 64
    assert result.stderr.startswith(b"statesync-pub: ")


def test_connection_refused():
    from redis_fixture import free_port
    result = ping("-p", free_port())
    assert result.returncode == 69
    assert b"cannot connect to 127.0.0.1:" in result.stderr and b"refused" in result.stderr


def test_unreachable_host_times_out():
    """A loopback listener whose accept queue is full drops new SYNs: the
    connect never completes, as with a black-hole address."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        result = ping("-p", port, "--connect-timeout", "0.5", "--timeout", "0.5")
        assert result.returncode == 69
        assert b"timed out after 0.5s" in result.stderr
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_silent_server_times_out():
    """Accepts, never answers: the reply timeout fires."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        result = ping("-p", port, "--timeout", "0.5")
        assert result.returncode == 69
        assert b"no reply from 127.0.0.1:%d within 0.5s" % port in result.stderr
    finally:
        listener.close()


def test_garbage_instead_of_resp_is_a_protocol_error():
    import threading
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]

    def answer():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        result = ping("-p", port)
        assert result.returncode == 76
        assert b"protocol error" in result.stderr
    finally:
        thread.join()
        listener.close()


def test_tls_with_ca(servers, certificates):
    server = servers(tls=certificates)
    ok = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert)
    assert ok.returncode == 0, ok.stderr
    ok = ping("-u", f"rediss://localhost:{server.tls_port}", "--cacert", certificates.ca_cert)
    assert ok.returncode == 0, ok.stderr


def test_tls_wrong_ca_is_refused(servers, certificates):
    server = servers(tls=certificates)
    result = ping("--tls", "-p", server.tls_port, "--cacert", certificates.other_ca_cert)
    assert result.returncode == 69
    assert b"TLS handshake with 127.0.0.1:%d failed: certificate verify failed" % server.tls_port in result.stderr


def test_tls_insecure_switch_connects_and_warns(servers, certificates):
    server = servers(tls=certificates)
    result = ping("--tls", "-p", server.tls_port, "--insecure")
    assert result.returncode == 0
    assert b"warning" in result.stderr and b"not verified" in result.stderr


def test_tls_wrong_host_name_is_refused(servers, certificates):
    server = servers(tls=certificates)
    result = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert, "--sni", "other.example")
    assert result.returncode == 69
    assert b"certificate verify failed" in result.stderr


def test_tls_client_certificate(servers, certificates):
    server = servers(tls=certificates, extra=["tls-auth-clients yes"])
    without = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert)
    assert without.returncode == 69
    with_cert = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert,
                     "--cert", certificates.client_cert, "--key", certificates.client_key)
    assert with_cert.returncode == 0, with_cert.stderr


def test_tls_to_a_plain_port_fails_clearly(redis, certificates):
    result = ping("--tls", "-p", redis.port, "--cacert", certificates.ca_cert, "--timeout", "2",
                  "--connect-timeout", "2")
    assert result.returncode == 69
    assert b"TLS handshake with" in result.stderr


def test_plain_to_a_tls_port_fails_clearly(servers, certificates):
    server = servers(tls=certificates)
    result = ping("-p", server.tls_port, "--timeout", "1")
    assert result.returncode in (69, 76)
    assert result.stderr.startswith(b"statesync-pub: ")


def test_tls_options_without_tls_are_usage(redis, certificates):
    result = ping("-p", redis.port, "--cacert", certificates.ca_cert)
    assert result.returncode == 64


def test_password_is_hidden_from_the_process_list(servers):
    """-a and a URL's password are blanked in argv once parsed, so ps and
    /proc/PID/cmdline no longer show them (the man pages still recommend
    STATESYNC_AUTH: there is a window before parsing)."""
    from conftest import spawn
    server = servers(password="hunter2")
    sub = spawn("statesync-sub", "-p", server.port, "-a", "hunter2", "-u", "redis://:hunter2@127.0.0.1", "ch")
    try:
        for _ in range(1000):
            if server.command("PUBSUB", "NUMSUB", "ch")[1] == 1:
                break
            time.sleep(0.01)
        with open(f"/proc/{sub.pid}/cmdline", "rb") as f:
            cmdline = f.read()
        assert b"hunter2" not in cmdline
        assert b"-a\0*******\0" in cmdline
        clients = server.command("CLIENT", "LIST")
        assert b"hunter2" not in clients
    finally:
        sub.kill()
        sub.wait()


def test_verbose_output_never_shows_the_password(servers):
    server = servers(password="hunter2")
    result = run(TOOL, "-v", "-u", f"redis://:hunter2@127.0.0.1:{server.port}", "ch", "x")
    assert result.returncode == 0
    assert b"hunter2" not in result.stderr
    wrong = run(TOOL, "-v", "-u", f"redis://:hunter3@127.0.0.1:{server.port}", "ch", "x")
    assert wrong.returncode == 77
    assert b"hunter3" not in wrong.stderr


def test_tls_expired_certificate_is_refused(servers, certificates):
    server = servers(tls=certificates, extra=[f"tls-cert-file {certificates.expired_cert}",
                                              f"tls-key-file {certificates.expired_key}"])
    result = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert)
    assert result.returncode == 69
    assert b"certificate verify failed: certificate has expired" in result.stderr


def test_tls_certificate_for_another_host_is_refused(servers, certificates):
    server = servers(tls=certificates, extra=[f"tls-cert-file {certificates.wrong_host_cert}",
                                              f"tls-key-file {certificates.wrong_host_key}"])
    result = ping("--tls", "-p", server.tls_port, "--cacert", certificates.ca_cert)
    assert result.returncode == 69
    assert b"certificate verify failed: hostname mismatch" in result.stderr or \
        b"certificate verify failed: IP address mismatch" in result.stderr
