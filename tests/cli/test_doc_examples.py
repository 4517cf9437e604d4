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
    blocks = [unroff(block).strip() for block in blocks]
    # A block of printed output (--history's lines) is no command: history_shape checks its form.
    return [block for block in blocks if not re.match(r"\d{4}-\d\d-\d\dT", block)]


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

    def fake(self, name, body):
        """A stand-in for a program of the user's world (systemctl), first on the PATH."""
        path = os.path.join(self.work, ".bin", name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)

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


def read_until(proc, done, out=b"", timeout=30):
    """Reads the example's output (after `out`, what was read before) until
    done(output), bounded; the example goes on."""
    end = time.monotonic() + timeout
    while not done(out):
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, end - time.monotonic()))
        chunk = os.read(proc.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            break
        out += chunk
    return out


def output_until(proc, done, out=b"", timeout=30):
    """Reads the example's output until done(output) (bounded), then stops it
    as Ctrl-C would; returns its status and all its output."""
    out = read_until(proc, done, out, timeout)
    rc, rest, _ = stop(proc)
    return rc, out + rest


# --- the scenarios, by example text -------------------------------------------------

def elsewhere(test):
    def scenario(sh, example):
        pytest.skip(f"needs a Sentinel group, a cluster, a terminal or a system to install into: run by {test}")
    return scenario


def build_step(sh, example):
    pytest.skip("a build or install step: scripts/test and the packaging test run it")


def system_step(sh, example):
    pytest.skip("installs into the system: the packaging test and test_systemd_units run these steps")


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


def watch_flag(sh, example):
    sh.redis.command("SET", "flag:dark-mode", "on")
    sub = sh.start(example)
    first = read_until(sub, lambda out: out == b"flag:dark-mode set on\n")
    sh.redis.command("DEL", "flag:dark-mode")
    _, out = output_until(sub, lambda out: out.count(b"\n") == 2, first)
    assert out == b"flag:dark-mode set on\nflag:dark-mode deleted \n", out


def watch_flags_json(sh, example):
    sh.redis.command("SET", "flag:a", "1")
    sub = sh.start(example)
    first = read_until(sub, lambda out: out.endswith(b"\n"))
    sh.redis.command("HSET", "flag:b", "on", "yes")
    _, out = output_until(sub, lambda out: out.count(b"\n") == 2, first)
    first, second = (json.loads(line) for line in out.splitlines())
    assert (first["key"], first["event"], first["value"]) == ("flag:a", "set", "1"), first
    assert (second["key"], second["type"], second["value"]) == ("flag:b", "hash", {"on": "yes"}), second


def watch_reload(sh, example):
    sh.fake("systemctl", 'echo "$@" >> reloads')
    sh.redis.command("SET", "config:web", "v1")
    sub = sh.start(example)
    reloads = os.path.join(sh.work, "reloads")
    sh.wait_for(lambda: os.path.exists(reloads), "the first reload")
    sh.redis.command("SET", "config:web", "v2")
    sh.wait_for(lambda: open(reloads).read().count("reload web") == 2, "a reload after the change")
    stop(sub)


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


def mosquitto_template(sh, example):
    sub = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("PUBSUB", "NUMPAT") > 0, "a pattern subscriber")
    sh.publish("app.web", "up")
    _, out = output_until(sub, lambda out: out.endswith(b"\n"))
    assert re.fullmatch(rb"\d\d:\d\d:\d\d app.web          2 up\n", out), out


def live_view(sh, example):
    pytest.skip("needs a terminal: test_sub_live runs --live on a pseudo-terminal")


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
    command = re.sub(r"-- \S+$", "-- true", example.splitlines()[-1].split(None, 5)[5])
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
    "scripts/package": build_step,
    "apt install ./build-packages/statesync_*.deb ./build-packages/libstatesync1_*.deb": system_step,
    "apt install ./build-packages/libstatesync-dev_*.deb": system_step,
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
    "statesync-sub -P -F '@H:@M:@S %-12t %5l %p' 'app.*'": mosquitto_template,
    "statesync-sub --live -P 'sensors/*'": live_view,
    "statesync-sub --json blobs | jq .": json_to_jq,
    "statesync-sub -F '%I %t %l %x' metrics": own_format,
    "statesync-sub -P -F '@H:@M:@S %-12t %5l %p' 'app.*'": mosquitto_template,
    "statesync-sub --live -P 'sensors/*'": elsewhere("test_sub_live.py"),
    "statesync-sub --watch -F '%t %e %p' flag:dark-mode": watch_flag,
    "statesync-sub --watch -P --json 'flag:*'": watch_flags_json,
    "statesync-sub --watch --debounce 1 config:web --exec -- systemctl reload web": watch_reload,
    "scripts/package": build_step,
    "apt install ./build-packages/statesync_*.deb ./build-packages/libstatesync1_*.deb": elsewhere("tests/package/run.sh"),
    "apt install ./build-packages/libstatesync-dev_*.deb": elsewhere("tests/package/run.sh"),
    "statesync-sub -R config --exec -- sh -c \\\n  'if [ \"$STATESYNC_EVENT\" = clear ]; then rm -f config; else "
    "cat > config.new && mv config.new config; fi'": mirror,
    "statesync-sub -R config --exec -- sh -c \\\n  'if [ \"$STATESYNC_EVENT\" = clear ]; then rm -f config;\n"
    "   else cat > config.new && mv config.new config; fi'": mirror,
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
    "statesync-lock -u redis://locks.example:6379 backup \\\n  -- /usr/local/bin/backup --full": lock_backup,
    "$ statesync-lock -n -v backup -- true; echo $?\nstatesync-lock: connecting to 127.0.0.1:6379\n"
    "statesync-lock: 'backup' is held by web1:4242\n  (fencing token 7, "
    "for 12.0s, 18.0s left)\nstatesync-lock: 'backup' not acquired\n1": refused_lock,
    "statesync-lock -w 10 -E 3 -c 'dump | gzip > /srv/dump.gz' reindex": shell_snippet,
    "statesync-lock --limit 4 encoders -- ffmpeg -i in.mov out.mp4": encoders,
    "statesync-lock --status backup\nstatesync-lock --list 'report-*' --json\nstatesync-lock --release backup":
        inspect_and_release,
    "PATH=/usr/local/bin:/usr/bin:/bin\n# m h dom mon dow  command\n"
    "*/5 * * * *  statesync-lock -n --hold 60 --ttl 60 rotate -- rotate":
        crontab_line,
}


# --- Redis Streams ------------------------------------------------------------------

def entries(sh, key):
    return [dict(zip(fields[::2], fields[1::2])) for _, fields in sh.redis.command("XRANGE", key, "-", "+")]


def stream_tail(sh, example):
    with open(os.path.join(sh.work, "app.log"), "w") as f:
        f.write("first\nsecond\n")
    tail = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("XLEN", "logs") == 2, "two entries in the stream")
    stop(tail)
    assert [list(e.values())[-1] for e in entries(sh, "logs")] == [b"first", b"second"]


def stream_publish(sh, example):
    result = sh.run(example)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(rb"\d+-\d+\n", result.stdout), result.stdout  # -v: the new entry's ID
    assert b'{"id":42}' in list(entries(sh, "orders")[0].values())


def stream_dump(sh, example):
    for line in ("one", "two"):
        assert sh.run(f"statesync-pub --stream logs {line}").returncode == 0
    result = sh.run(example)
    assert result.returncode == 0, result.stderr
    assert open(os.path.join(sh.work, "dump.txt"), "rb").read() == b"one\ntwo\n"


def stream_last(sh, example):
    for n in range(150):
        sh.redis.command("XADD", "logs", "*", "payload", str(n))
    proc = sh.start(example)
    _, out = output_until(proc, lambda out: out.endswith(b"149\n"))
    assert out.splitlines() == [str(n).encode() for n in range(50, 150)], out[:200]


def stream_window(sh, example):
    sh.redis.command("XADD", "logs", "1795935600000-0", "payload", "before")  # 07:00
    sh.redis.command("XADD", "logs", "1795941000000-0", "payload", "in")      # 08:30
    sh.redis.command("XADD", "logs", "1795946400000-0", "payload", "after")   # 10:00
    result = sh.run(example)
    assert (result.returncode, result.stdout) == (0, b"in\n"), result.stderr


def reading(sh, command):
    sh.wait_for(lambda: any(f"cmd={command}".encode() in line.split()
                            for line in sh.redis.command("CLIENT", "LIST").splitlines()), f"a blocked {command}")


def stream_resume(sh, example, key="logs"):
    proc = sh.start(example)  # no position yet: from the new entries ($)
    reading(sh, "xread")
    for n in ("a1", "a2"):
        sh.redis.command("XADD", key, "*", "payload", n)
    assert output_until(proc, lambda out: out == b"a1\na2\n")[1] == b"a1\na2\n"
    for n in ("b1", "b2"):  # written while nobody reads
        sh.redis.command("XADD", key, "*", "payload", n)
    proc = sh.start(example)
    _, out = output_until(proc, lambda out: out.endswith(b"b2\n"))
    assert out == b"b1\nb2\n", out  # nothing twice, nothing missed


def stream_resume_pair(sh, example):
    dump, resume = example.splitlines()
    sh.redis.command("XADD", "orders", "*", "payload", "o1")
    assert sh.run(dump).returncode == 0
    assert open(os.path.join(sh.work, "all.txt"), "rb").read() == b"o1\n"
    stream_resume(sh, resume, key="orders")


def stream_group(sh, example):
    resize = os.path.join(sh.work, "resize")
    with open(resize, "w") as f:
        f.write('#!/bin/sh\ncat >> resized; echo >> resized\n')
    os.chmod(resize, 0o755)
    proc = sh.start(example)
    sh.wait_for(lambda: sh.redis.command("EXISTS", "images") == 1 and
                sh.redis.command("XINFO", "GROUPS", "images"), "the group")
    for name in ("a.png", "b.png"):
        assert sh.run(f"statesync-pub --stream images {name}").returncode == 0
    path = os.path.join(sh.work, "resized")
    sh.wait_for(lambda: os.path.exists(path) and open(path).read().split() == ["a.png", "b.png"], "both resized")

    # Acknowledged once the command has returned: the XACK follows the
    # file's last line, so it is waited for, not assumed.
    def group():
        return dict(zip(*[iter(sh.redis.command("XINFO", "GROUPS", "images")[0])] * 2))
    sh.wait_for(lambda: group()[b"pending"] == 0, "both acknowledged")
    assert group()[b"name"] == b"resize"
    stop(proc)


# --- statesync-lock's history, metrics and windows ------------------------------------

HISTORY_LINE = rb"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+:\d+ fence \d+ (ok|failed \(exit \d+\)|lost, [^,]+), " \
               rb"ran \d+\.\d{3}s, waited \d+\.\d{3}s"


def two_runs(sh):
    assert sh.run("statesync-lock backup -- true").returncode == 0
    assert sh.run("statesync-lock backup -- sh -c 'exit 2'").returncode == 2


def history(sh, example):
    two_runs(sh)
    result = sh.run(example.splitlines()[0].removeprefix("$ "))
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(re.fullmatch(HISTORY_LINE, line) for line in lines), result.stdout
    assert b"fence 2 failed (exit 2)" in lines[0] and b"fence 1 ok" in lines[1]


def history_shape(sh, example):
    """statesync-lock(1)'s printed --history lines have the real output's form."""
    for line in example.splitlines():
        assert re.fullmatch(HISTORY_LINE, line.encode()), line
    history(sh, "$ statesync-lock --history -C 3 backup")


def status_with_last_run(sh, example):
    two_runs(sh)
    result = sh.run(example.removeprefix("$ "))
    assert result.stdout.startswith(b"backup free") and b"exit 2" in result.stdout, result.stdout


def list_with_outcome(sh, example):
    two_runs(sh)
    result = sh.run(example.removeprefix("$ "))
    assert result.returncode == 0 and b"backup" in result.stdout and b"exit 2" in result.stdout, result.stdout


def once_per_cron(sh, example):
    # A crontab entry is one line: the man page folds it (a line that starts
    # with blanks goes on the one before it), after setting M.
    entry = re.sub(r"\n\s+", " ", example).splitlines()[-1]
    command = entry.split("* * *", 1)[1].strip().replace("--jitter 300", "--jitter 0.1") \
        .replace("$M", sh.work).replace("/var/lib/node_exporter/textfile", sh.work)
    command = re.sub(r"-- \S+$", "-- echo ran", command)
    first = sh.run(command)
    assert (first.returncode, first.stdout) == (0, b"ran\n"), first.stderr
    second = sh.run(command)
    assert second.stdout == b"", second.stdout  # once in the day's window
    assert "statesync_lock_runs_total" in open(os.path.join(sh.work, "backup.prom")).read()


STREAM_SCENARIOS = {
    "tail -F app.log | statesync-pub --stream --maxlen 1000000 -l logs": stream_tail,
    "statesync-pub --stream -v orders '{\"id\":42}'": stream_publish,
    "statesync-sub --stream --from 0 -e logs > dump.txt": stream_dump,
    "statesync-sub --stream --from -100 logs": stream_last,
    "statesync-sub --stream --from @2026-11-29T08:00:00Z --until @2026-11-29T09:00:00Z -e logs": stream_window,
    "statesync-sub --stream --resume logs.pos logs": stream_resume,
    "statesync-sub --stream --group resize --claim-idle 60 --max-deliveries 5 --dead-letter resize:dead \\\n"
    "    images --exec -- ./resize                                        # a work queue shared by hosts":
        stream_group,
    "statesync-sub --stream --from 0 -e orders > all.txt\nstatesync-sub --stream --resume orders.pos orders":
        stream_resume_pair,
    "statesync-sub --stream --group resize --claim-idle 60 \\\n"
    "    --max-deliveries 5 --dead-letter resize:dead images \\\n    --exec -- ./resize": stream_group,
    "$ statesync-lock --history -C 3 backup": history,
    "$ statesync-lock --status backup": status_with_last_run,
    "$ statesync-lock --list": list_with_outcome,
    "M=/var/lib/node_exporter/textfile\n0 3 * * *  statesync-lock --once-per 1d --jitter 300\n"
    "  --metrics-file $M/backup.prom backup -- backup": once_per_cron,
}
SCENARIOS.update(STREAM_SCENARIOS)


def wait_responder(sh, channel, command):
    responder = sh.start(f"statesync-sub --reply {channel} --exec -- {command}")
    sh.wait_subscribed(channel)
    return responder


def reply_responder(sh, example):
    with open(os.path.join(sh.work, "version"), "w") as f:
        f.write("1.4.2\n")
    responder = sh.start(example.replace("/etc/myapp/version", "version"))
    sh.wait_subscribed("fleet.version")
    result = sh.run("statesync-pub --request -F %p fleet.version ''")
    stop(responder)
    assert (result.returncode, result.stdout) == (0, b"1.4.2\n\n"), result.stderr


def request_format(sh, example):
    responder = wait_responder(sh, "fleet.version", "printf 1.4.2")
    result = sh.run(example)
    stop(responder)
    assert (result.returncode, result.stdout) == (0, f"{socket.gethostname()} 0 1.4.2\n".encode()), result.stderr


def request_json(sh, example):
    responder = wait_responder(sh, "fleet.disk", "sh -c 'cat >/dev/null; exit 3'")
    result = sh.run(example)
    stop(responder)
    # The pipeline's status is jq's; statesync-pub's own complaint is on stderr.
    assert b'"status": 3' in result.stdout and b"1 of 1 failed on 'fleet.disk'" in result.stderr, result.stderr


SCENARIOS.update({
    "statesync-sub --reply fleet.version --exec -- sh -c 'cat >/dev/null; cat /etc/myapp/version'": reply_responder,
    "statesync-pub --request -F '%h %s %p' fleet.version ''": request_format,
    "statesync-pub --request --json --require-all fleet.disk '/' | jq .": request_json,
})


def shared_and_exclusive(sh, example):
    result = sh.run(example.replace("/usr/local/bin/export-catalog", "echo ran")
                    .replace("/usr/local/bin/rebuild-catalog", "echo ran"))
    assert (result.returncode, result.stdout) == (0, b"ran\n"), result.stderr


SCENARIOS.update({
    "statesync-lock -s catalog -- /usr/local/bin/export-catalog": shared_and_exclusive,
    "statesync-lock -x catalog -- /usr/local/bin/rebuild-catalog": shared_and_exclusive,
})


def test_the_printed_history_has_the_real_form(redis, tmp_path):
    with open(os.path.join(SOURCE, "man", "statesync-lock.1")) as f:
        page = unroff(f.read())
    printed = re.search(r"^(20\d\d-\S+Z .*\n  ran .*\n)+", page, re.M)
    assert printed, "statesync-lock(1)'s --history output block"
    # Each run's line is folded there before "ran".
    history_shape(Shell(redis, str(tmp_path)), printed.group(0).replace("\n  ran ", " ran ").strip())


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
