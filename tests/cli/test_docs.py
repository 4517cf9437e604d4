"""The man pages and completions agree with the tools' real options, the
generated parts are current, the pages lint clean, and each tool uses only
the short letters CONTRIBUTING.md allots to it."""

import os
import re
import subprocess

import pytest

from conftest import BUILD, run

SOURCE = os.environ.get("STATESYNC_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
TOOLS = ["statesync-pub", "statesync-sub", "statesync-lock"]

# CONTRIBUTING.md, "Options and their letters".
LETTERS_ALL = {"u", "h", "p", "s", "a", "v"}
LETTERS = {
    "statesync-pub": {"l", "0", "x", "f", "d", "r", "W", "F", "P"},
    "statesync-sub": {"P", "C", "w", "W", "N", "0", "F", "R", "e", "T"},
    "statesync-lock": {"n", "w", "E", "c", "C", "s", "x"},
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    subprocess.run([os.path.join(BUILD, "tools", "statesync-gen-docs"), str(out)], check=True)
    return out


def names_in(text):
    """Option names on man(7) lines, \\fB\\-l\\fR, \\fB\\-\\-skip\\-empty\\fR, as the
    user types them: -l, --skip-empty."""
    found = re.findall(r"\\fB((?:\\-){1,2}[A-Za-z0-9](?:[A-Za-z0-9]|\\-|-)*)\\fR", text)
    return {name.replace("\\-", "-") for name in found}


def tool_options(generated, tool):
    with open(generated / "options" / f"{tool}.txt") as f:
        return set(f.read().split())


def section(page, title):
    match = re.search(r"^\.SH %s\n(.*?)(?=^\.SH )" % re.escape(title), page, re.S | re.M)
    assert match, f"no {title} section"
    return match.group(1)


def read_page(tool):
    with open(os.path.join(SOURCE, "man", f"{tool}.1")) as f:
        return f.read()


def test_generated_parts_are_current(generated):
    result = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "docs_sync.py"), str(generated),
                             SOURCE, "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("tool", TOOLS)
def test_man_page_documents_exactly_the_options(generated, tool):
    page = read_page(tool)
    options_section = section(page, "OPTIONS")
    documented = set()
    for match in re.finditer(r"^\.TP\n(.*)$", options_section, re.M):
        documented |= names_in(match.group(1))
    connection = names_in(section(page, "CONNECTION OPTIONS"))
    expected = tool_options(generated, tool) - connection - {"--help", "--version"}
    assert documented == expected


@pytest.mark.parametrize("tool", TOOLS)
def test_man_page_has_the_sections(tool):
    page = read_page(tool)
    for title in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CONNECTION OPTIONS", "EXIT STATUS", "ENVIRONMENT",
                  "EXAMPLES", "SEE ALSO"]:
        assert re.search(r"^\.SH %s$" % re.escape(title), page, re.M), title
    environment = section(page, "ENVIRONMENT")
    for variable in ["STATESYNC_URL", "REDIS_URL", "STATESYNC_AUTH", "REDISCLI_AUTH", "NO_COLOR"]:
        assert variable in environment


@pytest.mark.parametrize("page", TOOLS + ["statesync"])
def test_man_page_lints_clean(page):
    path = os.path.join(SOURCE, "man", f"{page}.7" if page == "statesync" else f"{page}.1")
    result = subprocess.run(["groff", "-man", "-t", "-ww", "-z", path], capture_output=True, text=True)
    assert result.returncode == 0 and result.stderr == ""


@pytest.mark.parametrize("tool", TOOLS)
def test_short_letters_are_the_allotted_ones(generated, tool):
    with open(generated / "options" / f"{tool}.txt") as f:
        shorts = {n[1:] for n in f.read().split() if re.fullmatch(r"-[^-]", n)}
    assert shorts <= LETTERS_ALL | LETTERS[tool]


@pytest.mark.parametrize("tool", TOOLS)
def test_completions_offer_every_option(generated, tool):
    with open(generated / "options" / f"{tool}.txt") as f:
        options = f.read().split()
    with open(os.path.join(SOURCE, "completions", "bash", tool)) as f:
        bash = f.read()
    for option in options:
        assert re.search(r"[' ]%s[ ']" % re.escape(option), bash), option
    assert subprocess.run(["bash", "-n", os.path.join(SOURCE, "completions", "bash", tool)]).returncode == 0


@pytest.mark.parametrize("tool", TOOLS)
def test_help_lists_what_the_man_page_lists(generated, tool):
    result = run(tool, "--help")
    assert result.returncode == 0
    for name in tool_options(generated, tool):
        assert name.encode() in result.stdout


@pytest.mark.parametrize("tool", TOOLS)
def test_version(tool):
    result = run(tool, "--version")
    assert result.returncode == 0
    assert re.fullmatch(rb"%s \d+\.\d+\.\d+\n" % tool.encode(), result.stdout)


def help_of(tool):
    result = run(tool, "--help")
    assert result.returncode == 0
    return result.stdout.decode()


def help_blocks(text):
    """The help's blocks, split at blank lines: {title line: block}."""
    return {block.split("\n", 1)[0]: block for block in text.strip("\n").split("\n\n")}


@pytest.mark.parametrize("tool", TOOLS)
def test_help_is_the_generated_one(generated, tool):
    with open(generated / "help" / f"{tool}.txt") as f:
        assert help_of(tool) == f.read()


@pytest.mark.parametrize("tool", TOOLS)
def test_help_layout(tool):
    text = help_of(tool)
    assert all(len(line) <= 80 for line in text.splitlines())
    assert text.count("Usage:") == 1 and text.startswith(f"Usage: {tool} ")
    assert "Excludes" not in text and "Needs" not in text and "[OPTIONS] [" not in text
    blocks = list(help_blocks(text))
    # The tool's own groups, then the connection options, a note, the statuses.
    assert blocks[-1] == "Exit status:"
    connection = blocks.index("Connection:")
    assert connection >= 2 and all(title.endswith(":") for title in blocks[1:connection])
    # Every option on one line with its value name.
    for line in text.splitlines():
        if re.match(r"  -", line) or re.match(r"      --", line):
            assert re.match(r" +(-\S+, )*-{1,2}[\w-]+( [A-Z][A-Z:.]*)?( {2,}\S|$)", line), line


def test_help_connection_options_are_the_same_in_every_tool():
    blocks = [help_blocks(help_of(tool))["Connection:"] for tool in TOOLS]
    # statesync-lock's -s is --shared (flock's), its socket --socket only.
    lock_block = blocks[TOOLS.index("statesync-lock")]
    assert "  -s, --socket" not in lock_block
    blocks[TOOLS.index("statesync-lock")] = lock_block.replace("      --socket PATH", "  -s, --socket PATH")
    assert blocks[0] == blocks[1] == blocks[2]


@pytest.mark.parametrize("tool", TOOLS)
def test_help_and_man_page_list_the_same_exit_statuses(tool):
    status_block = help_blocks(help_of(tool))["Exit status:"]
    in_help = [line.split("  ")[1].strip() for line in status_block.splitlines()[1:]]
    table = section(read_page(tool), "EXIT STATUS")
    in_page = re.findall(r"^([0-9][^\t]*|other)\t", table, re.M)
    assert in_help == in_page
    if tool != "statesync-lock":
        assert "75" not in in_page and "126 / 127" not in in_page and "other" not in in_page


@pytest.mark.parametrize("tool", TOOLS)
def test_exit_status_table_takes_the_page_width(tool):
    path = os.path.join(SOURCE, "man", f"{tool}.1")
    page = subprocess.run(["groff", "-man", "-t", "-Tutf8", "-rLL=120n", "-P-cbou", path], capture_output=True,
                          text=True, check=True).stdout
    start = page.index("\nEXIT STATUS")
    statuses = page[start:page.index("\nENVIRONMENT", start)]
    line = next(line for line in statuses.splitlines() if line.strip().startswith("69"))
    assert "error reply (quoted)" in line  # the meaning on one line, not folded at 27 columns


# CLI11's own wording, which the tools must not show.
CLI11_PHRASES = ["required", "not expected", "Could not convert", "excludes", "TEXT", "INT"]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("args, message", [
    (["--host"], "-h/--host needs a host name (for help: --help)"),
    (["--port"], "-p/--port needs a port number (for help: --help)"),
    (["-p", "x"], "-p/--port must be a whole number from 1 to 65535, not 'x' (for help: --help)"),
    (["--nope", "x"], "unknown option --nope (for help: --help)"),
    (["--tls=maybe", "x"], "--tls takes no value, not 'maybe' (for help: --help)"),
    (["--connect-timeout", "-1", "x"], "--connect-timeout must be a positive duration such as 90, 90s, 500ms, 1h30m or 1w, at most 365d, not '-1'"),
])
def test_option_errors_in_plain_words(tool, args, message):
    result = run(tool, *args)
    assert result.returncode == 64
    err = result.stderr.decode()
    assert err.startswith(f"{tool}: {message}") and err.count("\n") == 1, err
    assert not any(phrase in err for phrase in CLI11_PHRASES), err


@pytest.mark.parametrize("tool, args, message", [
    ("statesync-sub", ["-F", "%t", "--json", "x"], "-F/--format and --json do not go together"),
    ("statesync-sub", ["-C"], "-C/--count needs a number"),
    ("statesync-pub", ["-d"], "-d/--delimiter needs a single character"),
    ("statesync-lock", ["-w"], "-w/--wait needs a duration (90, 90s, 1h30m, 500ms, 1w)"),
    ("statesync-lock", ["--on-lost", "x", "n", "--", "true"], "--on-lost must be term, kill or ignore, not 'x'"),
])
def test_tool_option_errors_in_plain_words(tool, args, message):
    result = run(tool, *args)
    assert result.returncode == 64
    assert result.stderr.decode().startswith(f"{tool}: {message} (for help: --help)\n")
