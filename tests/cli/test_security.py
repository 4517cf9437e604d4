"""Security: a password given through the environment never shows (process
list, client names, errors, -v output) in any of the three tools; --insecure
warns on every run; no payload, channel or lock name reaches a shell.
test_connection.py covers -a and URL blanking for statesync-sub and -v for
statesync-pub; this file extends them to the other tools."""

import os
import subprocess
import time

import pytest

from conftest import run, spawn

SECRET = "Hunter2-env-secret"
INJECTION = "$(touch {d}/dollar); `touch {d}/backtick`; touch {d}/semicolon"


def wait_for(condition, what, tries=1000):
    """Bounded polling for a state the server reports (no readiness pipe)."""
    for _ in range(tries):
        if condition():
            return
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def client_list(server):
    return server.command("CLIENT", "LIST")


def running_tool(tool, server, extra_args, env):
    """Starts `tool` so that it stays connected, and waits until the server
    shows it: pub repeating, sub subscribed, lock holding while its command
    waits for input."""
    if tool == "statesync-pub":
        proc = spawn(tool, "-p", server.port, *extra_args, "--repeat", "0", "--interval", "0.05", "ch", "x", env=env)
    elif tool == "statesync-sub":
        proc = spawn(tool, "-p", server.port, *extra_args, "ch", env=env)
    else:
        proc = spawn(tool, "-p", server.port, *extra_args, "nm", "--", "sh", "-c", "echo ready; exec cat", env=env,
                     stdin=subprocess.PIPE)
        assert proc.stdout.readline() == b"ready\n"
    wait_for(lambda: f"name={tool}:".encode() in client_list(server), f"{tool} in CLIENT LIST")
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=30)


TOOLS = ["statesync-pub", "statesync-sub", "statesync-lock"]


@pytest.mark.parametrize("variable", ["STATESYNC_AUTH", "REDISCLI_AUTH"])
@pytest.mark.parametrize("tool", TOOLS)
def test_environment_password_not_in_process_list_or_client_list(servers, tool, variable):
    server = servers(password=SECRET)
    proc = running_tool(tool, server, [], {variable: SECRET})
    try:
        with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
            assert SECRET.encode() not in f.read()
        clients = client_list(server)
        assert f"name={tool}:".encode() in clients
        assert SECRET.encode() not in clients
    finally:
        stop(proc)


@pytest.mark.parametrize("tool", ["statesync-pub", "statesync-lock"])
def test_command_line_password_is_blanked_in_process_list(servers, tool):
    """As test_connection.py checks for statesync-sub: -a and a URL's password
    are overwritten once parsed."""
    server = servers(password=SECRET)
    proc = running_tool(tool, server, ["-a", SECRET, "-u", f"redis://:{SECRET}@127.0.0.1"], None)
    try:
        with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
            assert SECRET.encode() not in f.read()
        assert SECRET.encode() not in client_list(server)
    finally:
        stop(proc)


def one_shot(tool, port, *extra):
    """Arguments for a run of `tool` that ends by itself with 0."""
    if tool == "statesync-pub":
        return ["-p", port, *extra, "ch", "x"]
    if tool == "statesync-sub":
        return ["-p", port, *extra, "-w", "0.1", "ch"]
    return ["-p", port, *extra, "nm", "--", "true"]


@pytest.mark.parametrize("tool", TOOLS)
def test_environment_password_not_in_verbose_output_or_errors(servers, tool):
    server = servers(password=SECRET)
    ok = run(tool, *one_shot(tool, server.port, "-v"), env={"STATESYNC_AUTH": SECRET})
    assert ok.returncode == 0, ok.stderr
    assert SECRET.encode() not in ok.stderr + ok.stdout
    wrong = "Wrong-" + SECRET
    refused = run(tool, *one_shot(tool, server.port, "-v"), env={"REDISCLI_AUTH": wrong})
    assert refused.returncode == 77
    assert b"WRONGPASS" in refused.stderr
    assert wrong.encode() not in refused.stderr + refused.stdout
    # Failing elsewhere (a db the server lacks) with the right password.
    failed = run(tool, *one_shot(tool, server.port, "-v", "--db", "99"), env={"STATESYNC_AUTH": SECRET})
    assert failed.returncode == 69
    assert SECRET.encode() not in failed.stderr + failed.stdout


@pytest.mark.parametrize("tool", ["statesync-sub", "statesync-lock"])
def test_url_password_not_in_verbose_output(servers, tool):
    """test_connection.py checks statesync-pub; the same for the others."""
    server = servers(password=SECRET)
    args = one_shot(tool, server.port, "-v", "-u", f"redis://:{SECRET}@127.0.0.1")
    ok = run(tool, *args)
    assert ok.returncode == 0, ok.stderr
    assert SECRET.encode() not in ok.stderr + ok.stdout


@pytest.mark.parametrize("tool", TOOLS)
def test_insecure_warns_on_every_run(servers, certificates, tool):
    server = servers(tls=certificates)
    for _ in range(2):
        result = run(tool, *one_shot(tool, server.tls_port, "--tls", "--insecure"))
        assert result.returncode == 0, result.stderr
        warnings = [line for line in result.stderr.splitlines() if b"warning" in line]
        assert len(warnings) == 1, result.stderr
        assert warnings[0].startswith(tool.encode() + b": ") and b"not verified" in warnings[0]


def no_files_made(directory):
    return os.listdir(directory) == []


def test_pub_and_sub_exec_pass_no_payload_or_channel_to_a_shell(servers, tmp_path):
    made = tmp_path / "made"
    made.mkdir()
    channel = INJECTION.format(d=made)
    payload = INJECTION.format(d=made) + "\n$(id)"
    server = servers()
    # The command is a shell, but the message only reaches it as data.
    sub = spawn("statesync-sub", "-p", server.port, "-C", "1", channel, "--exec", "--", "sh", "-c",
                'cat; printf "|%s" "$STATESYNC_CHANNEL"')
    try:
        wait_for(lambda: server.command("PUBSUB", "NUMSUB", channel)[1] == 1, "the subscriber")
        pub = run("statesync-pub", "-p", server.port, channel, payload)
        assert pub.returncode == 0, pub.stderr
        out, err = sub.communicate(timeout=30)
        assert sub.returncode == 0, err
        assert out == f"{payload}|{channel}".encode()
    finally:
        stop(sub)
    assert no_files_made(made)


def test_lock_passes_no_name_to_a_shell(servers, tmp_path):
    made = tmp_path / "made"
    made.mkdir()
    name = INJECTION.format(d=made)
    server = servers()
    direct = run("statesync-lock", "-p", server.port, name, "--", "printenv", "STATESYNC_LOCK_NAME")
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout == name.encode() + b"\n"
    # -c runs its STRING in a shell; the name still arrives as data only.
    string = run("statesync-lock", "-p", server.port, "-c", 'printf %s "$STATESYNC_LOCK_NAME"', name)
    assert string.returncode == 0, string.stderr
    assert string.stdout == name.encode()
    verbose = run("statesync-lock", "-v", "-p", server.port, "--status", name)
    assert verbose.returncode == 1
    assert no_files_made(made)
