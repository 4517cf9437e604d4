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
    "statesync-pub": {"l", "0", "x", "f", "d", "r"},
    "statesync-sub": {"P", "C", "w", "W", "N", "0", "F", "R"},
    "statesync-lock": {"n", "w", "E", "c"},
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
