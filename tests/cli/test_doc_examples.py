"""Every example in README.md and in the man pages' EXAMPLES runs: each one
is extracted from the page and run by sh, as a user would paste it, in a
scratch directory against a throwaway redis-server (STATESYNC_URL), with
the built tools first on the PATH. Only what names the user's own world is
replaced (a host name, a log file, a backup program). An example that
needs a Sentinel group or a cluster is named with the test that runs it
there. A new example fails test_every_example_is_run until it gets its
scenario here."""

import json
import os
import re
import select
import socket
import subprocess
import time

import pytest

from conftest import BUILD, clean_env
from redis_fixture import free_port
from test_docs import SOURCE

TOOLS_DIR = os.path.join(BUILD, "tools")


def readme_examples():
    """The command lines of README.md's sh blocks: a line that is not a
    comment, with its continuation lines (a trailing backslash), without
    its trailing comment; an example's printed output is dropped."""
    with open(os.path.join(SOURCE, "README.md")) as f:
        text = f.read()
    examples = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        pending = ""
        for line in block.splitlines():
            if pending:
                pending += "\n" + line
                if not line.endswith("\\"):
                    examples.append(pending)
                    pending = ""
                continue
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not re.match(r"(\$ )?[a-z*/.]", line) or line.startswith(("statesync-lock: ", "1")):
                continue  # printed output
            line = re.sub(r"\s+# .*$", "", line)
            if line.endswith("\\"):
                pending = line
            else:
                examples.append(line)
    return examples


def unroff(text):
    text = text.replace("\\-", "-").replace("\\e", "\\").replace("\\(aq", "'")
    return re.sub(r"\\f[BIR]", "", text)


def man_examples(tool):
    """The .EX/.EE and .nf/.fi blocks of EXAMPLES (and CRON), whole."""
    with open(os.path.join(SOURCE, "man", f"{tool}.1")) as f:
        page = f.read()
    blocks = []
    for title in ("EXAMPLES", "CRON"):
        match = re.search(r"^\.SH %s\n(.*?)(?=^\.SH )" % title, page, re.S | re.M)
        if match:
            blocks += re.findall(r"^\.(?:EX|nf)\n(.*?)^\.(?:EE|fi)", match.group(1), re.S | re.M)
    return [unroff(block).strip() for block in blocks]


def all_examples():
    found = [("README.md", e) for e in readme_examples()]
    for tool in ("statesync-pub", "statesync-sub", "statesync-lock"):
        found += [(f"{tool}(1)", e) for e in man_examples(tool)]
    return found


class Shell:
    """Runs examples by sh in `work`, against `redis`. jq is run line
    buffered (through stdbuf), so that its output can be waited for."""

    def __init__(self, redis, work):
        self.redis, self.work = redis, work
        wrappers = os.path.join(work, ".bin")
        os.makedirs(wrappers)
        with open(os.path.join(wrappers, "jq"), "w") as f:
            f.write('#!/bin/sh\nexec stdbuf -oL /usr/bin/jq "$@"\n')
        os.chmod(os.path.join(wrappers, "jq"), 0o755)
        path = ":".join([wrappers, TOOLS_DIR, os.environ["PATH"]])
        self.env = clean_env({"STATESYNC_URL": redis.url, "PATH": path})

    def run(self, script, input=None, timeout=60):
        return subprocess.run(["sh", "-c", script], cwd=self.work, env=self.env, input=input, capture_output=True,
                              timeout=timeout)

    def start(self, script, shell="sh"):
        return subprocess.Popen([shell, "-c", script], cwd=self.work, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)

    def subscribers(self, channel):
        return self.redis.command("PUBSUB", "NUMSUB", channel)[1]

    def wait_for(self, check, what):
        for _ in range(2000):
            if check():
                return
            time.sleep(0.01)
        raise AssertionError(f"never: {what}")

    def wait_subscribed(self, channel):
        self.wait_for(lambda: self.subscribers(channel) > 0, f"a subscriber on {channel}")

    def publish(self, channel, payload):
        return self.redis.command("PUBLISH", channel, payload)


def finish(proc, timeout=30):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def stop(proc):
    """Ends a long-running example as Ctrl-C would (its whole group)."""
    if proc.poll() is None:
        os.killpg(proc.pid, 2)
    return finish(proc)


def output_until(proc, done, timeout=30):
    """Reads the example's output until done(output) (bounded), then stops it
    as Ctrl-C would; returns its status and all its output."""
    out = b""
    end = time.monotonic() + timeout
    while not done(out):
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, end - time.monotonic()))
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            break
        out += chunk
    rc, rest, _ = stop(proc)
    return rc, out + rest


# --- the scenarios, by example text -------------------------------------------------

def elsewhere(test):
    def scenario(sh, example):
        pytest.skip(f"needs a Sentinel group, a cluster, a terminal or a system to install into: run by {test}")
    return scenario


def build_step(sh, example):
    pytest.skip("a build or install step: scripts/test and the packaging test run it")


def announce(sh, example):
    assert sh.run(example).returncode == 1  # nobody listening
    sub = sh.start("statesync-sub -C 1 deploys")
    sh.wait_subscribed("deploys")
    assert sh.run(example).returncode == 0
    assert finish(sub)[:2] == (0, b"v1.4.2 on web-1\n")


def announce_or_complain(sh, example):
    result = sh.run(example)
    assert (result.returncode, result.stderr.endswith(b"nobody heard the deploy\n")) == (0, True)


def wait_subscribers(sh, example):
    sub = sh.start("statesync-sub -C 1 jobs")
    assert sh.run(example).returncode == 0
    assert finish(sub)[:2] == (0, b"start\n")


def tail_log(sh, example):
    with open(os.path.join(sh.work, "app.log"), "w") as f:
        f.write("first\nsecond\n")
    sub = sh.start("statesync-sub -C 2 logs.app")
    sh.wait_subscribed("logs.app")
    tail = sh.start(example.replace("/var/log/app.log", "app.log"))
    assert finish(sub)[:2] == (0, b"first\nsecond\n")
    stop(tail)


def heartbeat(sh, example):
    sub = sh.start("statesync-sub -C 2 heartbeat.web-1")
    sh.wait_subscribed("heartbeat.web-1")
    beat = sh.start(example.replace("--interval 5", "--interval 0.1"))
    assert finish(sub)[:2] == (0, b"alive\nalive\n")
    stop(beat)


def retain_file(sh, example):
    with open(os.path.join(sh.work, "config.json"), "w") as f:
        f.write('{"mode": "fast"}\n')
    assert sh.run(example).returncode == 0
    state = sh.redis.command("HGETALL", "statesync:state:config/app")
    assert state == [b"payload", b'{"mode": "fast"}\n', b"version", b"1"]


def retain_then_clear(sh, example):
    retain_file(sh, example.splitlines()[0])
    assert sh.run(example.splitlines()[1]).returncode == 0
    assert sh.redis.command("EXISTS", "statesync:state:config/app") == 0


def clear(sh, example):
    sh.run("statesync-pub -r config/app x")
    assert sh.run(example).returncode == 0
    assert sh.redis.command("EXISTS", "statesync:state:config/app") == 0


def channel_field(sh, example):
    sub = sh.start("statesync-sub -C 2 -v -P 'ev.*'")
    sh.wait_for(lambda: sh.redis.command("PUBSUB", "NUMPAT") > 0, "a pattern subscriber")
    result = sh.run(example.replace("generate-events", "printf 'ev.a\\tone\\nev.b\\ttwo\\n'"))
    assert result.returncode == 0, result.stderr
    assert finish(sub)[:2] == (0, b"ev.a one\nev.b two\n")


def find_print0(sh, example):
    os.makedirs(os.path.join(sh.work, "incoming"))
    open(os.path.join(sh.work, "incoming", "a\nb"), "w").close()
    sub = sh.start("statesync-sub -C 1 -0 incoming")
    sh.wait_subscribed("incoming")
    assert sh.run(example.replace("/srv/incoming", "incoming")).returncode == 0
    assert finish(sub)[:2] == (0, b"incoming/a\nb\0")


def wait_for_deploy(sh, example):
    sub = sh.start(example)
    sh.wait_subscribed("deploys")
    sh.publish("deploys", "v2")
    rc, out, _ = finish(sub)
    assert rc == 0 and out.strip().endswith(b"deployed") if example.startswith("if") else out == b"v2\n"


def tail_patterns(sh, example):
    sub = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("PUBSUB", "NUMPAT") > 0, "a pattern subscriber")
    sh.publish("app.web", "up")
    assert output_until(sub, lambda out: out.endswith(b"\n"))[1] == b"app.web up\n"


def mosquitto_template(sh, example):
    sub = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("PUBSUB", "NUMPAT") > 0, "a pattern subscriber")
    sh.publish("app.web", "up")
    _, out = output_until(sub, lambda out: out.endswith(b"\n"))
    assert re.fullmatch(rb"\d\d:\d\d:\d\d app.web          2 up\n", out), out


def json_to_jq(sh, example):
    sub = sh.start(example)
    sh.wait_subscribed("blobs")
    for payload in (b"one", b"\xff\x00", b"three"):
        sh.publish("blobs", payload)
    # Every message reaches jq (a NUL after the first would end its input).
    _, out = output_until(sub, lambda out: out.count(b"}") == 3)
    assert out.count(b'"channel": "blobs"') == 3, out
    assert b'"payload_base64": "/wA="' in out and b'"payload": "three"' in out


def own_format(sh, example):
    sub = sh.start(example)
    sh.wait_subscribed("metrics")
    sh.publish("metrics", "ab")
    rc, out = output_until(sub, lambda out: out.endswith(b"\n"))
    assert re.fullmatch(rb"20\d\d-\S+Z metrics 2 6162\n", out), out


def mirror(sh, example):
    sh.run("statesync-pub -r config one")
    sub = sh.start(example)
    sh.wait_subscribed("config")
    path = os.path.join(sh.work, "config")
    sh.wait_for(lambda: os.path.exists(path), "the mirrored file")
    sh.run("statesync-pub -r config two")
    sh.wait_for(lambda: open(path).read() == "two" if os.path.exists(path) else False, "the update")
    sh.run("statesync-pub --clear config")
    sh.wait_for(lambda: not os.path.exists(path), "the file removed by the clear")
    stop(sub)


def states_of_patterns(sh, example):
    sh.run("statesync-pub -r config/web on")
    sub = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("PUBSUB", "NUMPAT") > 0, "a pattern subscriber")
    sh.run("statesync-pub -r config/db off")
    _, out = output_until(sub, lambda out: out.count(b"\n") == 2)
    assert out == b"config/web on\nconfig/db off\n", out


def ready_file(sh, example):
    result = sh.run(example + "\ncat got")
    assert (result.returncode, result.stdout) == (0, b"start\n"), result.stderr


def grep_ready(sh, example):
    proc = sh.start(example, shell="bash")  # pipefail: bash's (dash has none)
    sh.wait_subscribed("events")
    sh.publish("events", "starting")
    sh.publish("events", "ready now")
    rc, out, _ = finish(proc)
    assert (rc, out) == (0, b"ready now\n")


def xargs_and_jq(sh, example):
    raw, jq = example.splitlines()
    # od prints when its input ends, so the subscriber must end by itself
    # (stopping it could come before it read the message): -C 1 here.
    proc = sh.start(raw.replace("statesync-sub -0", "statesync-sub -C 1 -0"))
    sh.wait_subscribed("blobs")
    sh.publish("blobs", "a\nb")
    rc, out, _ = finish(proc)
    assert rc == 0 and b"a  \\n   b" in out, out
    proc = sh.start(jq)
    sh.wait_subscribed("blobs")
    sh.publish("blobs", "a\nb")
    assert output_until(proc, lambda out: out.count(b"\n") == 2)[1] == b"a\nb\n"


def lock_backup(sh, example):
    command = re.sub(r"-u redis://locks\S* ", "", example).replace("/usr/local/bin/backup --full", "true")
    result = sh.run(command)
    assert result.returncode == 0, result.stderr


def refused_lock(sh, example):
    holder = sh.start("statesync-lock backup -- sleep 30")
    sh.wait_for(lambda: sh.redis.command("EXISTS", "statesync:lock:{backup}") == 1, "the holder")
    result = sh.run(example.splitlines()[0].removeprefix("$ "))
    stop(holder)
    assert result.stdout == b"1\n"
    assert re.fullmatch(rb"statesync-lock: connecting to \S+\n"
                        rb"statesync-lock: 'backup' is held by \S+:\d+ \(fencing token 1, for \S+, \S+ left\)\n"
                        rb"statesync-lock: 'backup' not acquired\n", result.stderr), result.stderr


def crontab_line(sh, example):
    command = example.splitlines()[-1].split(None, 5)[5].replace("/usr/local/bin/rotate", "true")
    assert sh.run(command).returncode == 0
    assert sh.run(command).returncode == 1  # held for a minute after the job


def semaphore_snippet(sh, example):
    result = sh.run(example.replace("encode /srv/in.mov | upload", "echo encoded"))
    assert (result.returncode, result.stdout) == (0, b"encoded\n"), result.stderr


def shell_snippet(sh, example):
    result = sh.run(example.replace("dump |", "echo dump |").replace("/srv/dump.gz", "dump.gz"))
    assert result.returncode == 0, result.stderr
    assert sh.run("gzip -dc dump.gz").stdout == b"dump\n"


def encoders(sh, example):
    result = sh.run(example.replace("ffmpeg -i in.mov out.mp4", "true"))
    assert result.returncode == 0, result.stderr


def inspect_and_release(sh, example):
    status_line, list_line, release_line = example.splitlines()
    holder = sh.start("statesync-lock --ttl 1 backup -- sleep 30")
    reports = sh.start("statesync-lock report-x -- sleep 30")
    sh.wait_for(lambda: sh.redis.command("EXISTS", "statesync:lock:{backup}", "statesync:lock:{report-x}") == 2,
                "the holders")
    assert sh.run(status_line).stdout.startswith(b"backup held by ")
    assert [s["name"] for s in json.loads(sh.run(list_line).stdout)] == ["report-x"]
    assert b"notices at its next renewal" in sh.run(release_line).stdout
    assert finish(holder)[0] == 75
    stop(reports)


def status(sh, example):
    assert sh.run(example).stdout.startswith(b"backup free")


def list_locks(sh, example):
    holder = sh.start("statesync-lock report-x -- sleep 30")
    sh.wait_for(lambda: sh.redis.command("EXISTS", "statesync:lock:{report-x}") == 1, "the holder")
    result = sh.run(example)
    stop(holder)
    assert result.stdout.startswith(b"report-x held by ")


def force_release(sh, example):
    holder = sh.start("statesync-lock --ttl 1 backup -- sleep 30")
    sh.wait_for(lambda: sh.redis.command("EXISTS", "statesync:lock:{backup}") == 1, "the holder")
    result = sh.run(example)
    assert b"notices at its next renewal" in result.stdout, result.stdout
    assert finish(holder)[0] == 75


SCENARIOS = {
    "scripts/quickstart": build_step,
    "scripts/test": build_step,
    "cmake -S . -B build -DCMAKE_BUILD_TYPE=Release": build_step,
    "cmake --build build -j": build_step,
    "cmake --install build --prefix /usr/local": build_step,
    "statesync-sub --sentinel s1:26379 --sentinel s2:26379 --master main -R config":
        elsewhere("test_sentinel.py::test_publish_and_subscribe_through_the_sentinels"),
    "statesync-pub -u redis+sentinel://s1,s2,s3/main -r config \"mode=fast\"":
        elsewhere("test_sentinel.py::test_publish_and_subscribe_through_the_sentinels"),
    "statesync-sub --cluster -u redis://node1:7000 --sharded orders.eu orders.us":
        elsewhere("test_cluster.py::test_sharded_channels_on_every_master"),
    "statesync-lock --cluster -h node1 -p 7000 --wait-replicas 1 nightly-backup -- ./backup.sh":
        elsewhere("test_cluster.py::test_wait_replicas"),
    "statesync-pub --require-subscribers 1 deploys \"v1.4.2 on web-1\"": announce,
    "statesync-pub --require-subscribers 1 deploys \"v1.4.2 on web-1\" ||\n    echo \"nobody heard the deploy\" >&2":
        announce_or_complain,
    "statesync-pub --require-subscribers 1 --wait-subscribers 10 jobs start": wait_subscribers,
    "tail -F /var/log/app.log | statesync-pub -l logs.app": tail_log,
    "statesync-pub --repeat 0 --interval 5 heartbeat.web-1 alive": heartbeat,
    "statesync-pub -r --ttl 3600 -f config.json config/app": retain_file,
    "statesync-pub -r --ttl 3600 -f config.json config/app\nstatesync-pub --clear config/app": retain_then_clear,
    "statesync-pub --clear config/app": clear,
    "generate-events | statesync-pub --progress -l --channel-field '\\t'": channel_field,
    "find /srv/incoming -type f -print0 | statesync-pub -0 incoming": find_print0,
    "statesync-sub -C 1 -W 300 deploys": wait_for_deploy,
    "if statesync-sub -C 1 -W 300 deploys >/dev/null; then\n    echo deployed\nfi": wait_for_deploy,
    "statesync-sub -v -P 'app.*'": tail_patterns,
    "statesync-sub --json blobs | jq .": json_to_jq,
    "statesync-sub -F '%I %t %l %x' metrics": own_format,
    "statesync-sub -P -F '@H:@M:@S %-12t %5l %p' 'app.*'": mosquitto_template,
    "statesync-sub --live -P 'sensors/*'": elsewhere("test_sub_live.py"),
    "scripts/package": build_step,
    "apt install ./build-packages/statesync_*.deb ./build-packages/libstatesync0_*.deb": elsewhere("tests/package/run.sh"),
    "apt install ./build-packages/libstatesync-dev_*.deb": elsewhere("tests/package/run.sh"),
    "cp /usr/share/doc/statesync/examples/systemd/statesync-lock@.* /etc/systemd/system/":
        elsewhere("tests/package/run.sh and test_systemd_units.py"),
    "mkdir -p /etc/statesync && install -m 600 /dev/null /etc/statesync/lock-report.env":
        elsewhere("test_systemd_units.py"),
    "printf 'STATESYNC_URL=redis://redis.example.net:6379\\nJOB_COMMAND=/usr/local/bin/report --nightly\\n' \\\n"
    "  > /etc/statesync/lock-report.env": elsewhere("test_systemd_units.py"),
    "systemctl daemon-reload && systemctl enable --now statesync-lock@report.timer": elsewhere("test_systemd_units.py"),
    "statesync-sub -R config --exec -- sh -c \\\n  'if [ \"$STATESYNC_EVENT\" = clear ]; then rm -f config; else "
    "cat > config.new && mv config.new config; fi'": mirror,
    "statesync-sub -R -P -F '%t %p' 'config/*'": states_of_patterns,
    "statesync-sub -C 1 --ready-file ready jobs > got &\nuntil [ -e ready ]; do sleep 0.1; done\n"
    "statesync-pub jobs start\nwait": ready_file,
    "statesync-sub events | grep -m1 ready": grep_ready,
    "set -o pipefail\nstatesync-sub events | grep -m1 ready": grep_ready,
    "statesync-sub -0 blobs | xargs -0 -n1 printf '%s' | od -c\nstatesync-sub --json blobs | jq -r .payload":
        xargs_and_jq,
    "statesync-lock -u redis://locks:6379 backup -- /usr/local/bin/backup --full": lock_backup,
    "$ statesync-lock -n -v backup -- true; echo $?": refused_lock,
    "*/5 * * * * statesync-lock -n --hold 60 --ttl 60 rotate -- /usr/local/bin/rotate": crontab_line,
    "statesync-lock --limit 4 -w 10 -c 'encode /srv/in.mov | upload' encoders": semaphore_snippet,
    "statesync-lock --status backup": status,
    "statesync-lock --list 'report-*'": list_locks,
    "statesync-lock --release backup": force_release,
    "statesync-lock -u redis://locks.example:6379 backup -- /usr/local/bin/backup --full": lock_backup,
    "$ statesync-lock -n -v backup -- true; echo $?\nstatesync-lock: connecting to 127.0.0.1:6379\n"
    "statesync-lock: 'backup' is held by web1:4242 (fencing token 7, "
    "for 12.0s, 18.0s left)\nstatesync-lock: 'backup' not acquired\n1": refused_lock,
    "statesync-lock -w 10 -E 3 -c 'dump | gzip > /srv/dump.gz' reindex": shell_snippet,
    "statesync-lock --limit 4 encoders -- ffmpeg -i in.mov out.mp4": encoders,
    "statesync-lock --status backup\nstatesync-lock --list 'report-*' --json\nstatesync-lock --release backup":
        inspect_and_release,
    "# m h dom mon dow  command\n*/5 * * * *  statesync-lock -n --hold 60 --ttl 60 rotate -- /usr/local/bin/rotate":
        crontab_line,
}


def test_every_example_is_run():
    missing = [f"{where}: {example!r}" for where, example in all_examples() if example not in SCENARIOS]
    assert not missing, "examples without a scenario in test_doc_examples.py:\n" + "\n".join(missing)


@pytest.mark.parametrize("example", sorted({example for _, example in all_examples()}))
def test_example_runs(redis, tmp_path, example):
    SCENARIOS[example](Shell(redis, str(tmp_path)), example)


# --- what README and statesync-sub(1) say of mosquitto_sub holds ------------------

@pytest.fixture
def mosquitto(tmp_path):
    port = free_port()
    broker = subprocess.Popen(["mosquitto", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(2000):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.01)
        yield port
    finally:
        broker.terminate()
        broker.wait()


def test_the_mosquitto_sub_differences_are_stated_and_true(mosquitto, redis):
    theirs = subprocess.run(["mosquitto_sub", "-p", str(mosquitto), "-C", "1", "-W", "1", "-t", "x"],
                            capture_output=True, timeout=30)
    assert theirs.returncode == 27 and b"Timed out" in theirs.stdout + theirs.stderr
    ours = subprocess.run([os.path.join(TOOLS_DIR, "statesync-sub"), "-p", str(redis.port), "-C", "1", "-W", "0.1",
                           "x"], capture_output=True, env=clean_env(), timeout=30)
    assert (ours.returncode, ours.stdout, ours.stderr) == (1, b"", b"")
    with open(os.path.join(SOURCE, "README.md")) as f:
        readme = f.read()
    assert "`mosquitto_sub -R` means the\nopposite" in readme and "exits 27" in readme
    page = unroff(open(os.path.join(SOURCE, "man", "statesync-sub.1")).read())
    assert ".SH DIFFERENCES FROM MOSQUITTO_SUB" in page and "exits with status 27" in page
