"""The man pages read in order: rendered by man(1) at 80 and 120 columns no
line is wider than the page, and every section holds only its own subjects:
each synopsis form on a line of its own, every option listed once under
OPTIONS or CONNECTION OPTIONS, every environment variable the page names
defined under ENVIRONMENT, no paragraph that cuts a sentence or sits in a
table cell, and what a section is about found in
that section only."""

import os
import re
import subprocess

import pytest

from test_docs import SOURCE, TOOLS, generated, names_in, tool_options  # noqa: F401 (generated: a fixture)

PAGES = [f"{tool}.1" for tool in TOOLS] + ["statesync.7"]
WIDTHS = [80, 120]
LIST_SECTIONS = {"OPTIONS", "CONNECTION OPTIONS", "ENVIRONMENT", "EXIT STATUS"}
VARIABLE = re.compile(r"\b(STATESYNC_[A-Z][A-Z_]*[A-Z]|REDIS_URL|REDISCLI_AUTH|NO_COLOR)\b")

# Variables a page names as another tool's (statesync-pub(1) says what
# statesync-sub --exec gives for a clear): defined in that tool's page.
OTHER_TOOLS_VARIABLES = {"statesync-pub.1": {"STATESYNC_EVENT"}}

# Sentences that say what a section is about: found there and nowhere else
# in the page (each was once in the wrong section).
OWNED = {
    "statesync-sub.1": {
        "LIVE VIEW": ["The screen is redrawn", "alternate screen", "\\fB\\-\\-live\\fR is refused"],
        "JSON": ["every change is an object", "With \\fB\\-\\-pretty\\fR each object"],
        "SENTINEL AND CLUSTER": ["reads the slot map again and subscribes with each"],
    },
}


def source(page):
    with open(os.path.join(SOURCE, "man", page)) as f:
        return f.read()


def sections(text):
    """{title: body} of a page's troff source."""
    parts = re.split(r"^\.SH (.*)\n", text, flags=re.M)
    return {title.strip('"'): body for title, body in zip(parts[1::2], parts[2::2])}


def render(page, width):
    """The page as man(1) shows it in a terminal of `width` columns, as text."""
    env = dict(os.environ, MANWIDTH=str(width), LANG="C.UTF-8", MAN_KEEP_FORMATTING="")
    env.pop("MANPAGER", None)
    result = subprocess.run(["man", "-l", "-P", "cat", os.path.join(SOURCE, "man", page)], capture_output=True,
                            env=env, check=True)
    return re.sub(r".\x08", "", result.stdout.decode())  # bold and underline are overstrikes


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", PAGES)
def test_no_line_is_wider_than_the_page(page, width):
    wide = [line for line in render(page, width).splitlines() if len(line.rstrip()) > width]
    assert not wide, f"{page} at {width} columns:\n" + "\n".join(wide)


@pytest.mark.parametrize("page", PAGES)
def test_each_synopsis_form_has_a_line_of_its_own(page):
    synopsis = sections(source(page)).get("SYNOPSIS")
    if synopsis is None:
        return  # statesync(7)
    lines = [line for line in synopsis.splitlines() if line]
    forms = [i for i, line in enumerate(lines) if line.startswith(".B statesync")]
    assert forms and forms[0] == 0, lines
    for start, end in zip(forms, forms[1:] + [len(lines) + 1]):
        # .B TOOL, its arguments on one line, then .br before the next form.
        body = lines[start + 1:end - 1] if end <= len(lines) else lines[start + 1:]
        assert len(body) == 1 and not body[0].startswith("."), f"{page}: a form of {len(body)} lines: {body}"
        if end <= len(lines):
            assert lines[end - 1] == ".br", f"{page}: two forms without .br between them: {lines[start:end]}"


@pytest.mark.parametrize("tool", TOOLS)
def test_every_option_is_listed_once_under_options(generated, tool):  # noqa: F811
    page = sections(source(f"{tool}.1"))
    listed = []
    for title, body in page.items():
        for header in re.findall(r"^\.TP\n(.*)$", body, re.M):
            names = names_in(header)
            if names and title not in ("OPTIONS", "CONNECTION OPTIONS"):
                pytest.fail(f"{tool}(1): {sorted(names)} listed under {title}")
            listed.extend(names)
    for option in tool_options(generated, tool) - {"--help", "--version"}:  # in every page's DESCRIPTION
        assert listed.count(option) == 1, f"{tool}(1): {option} listed {listed.count(option)} times"


@pytest.mark.parametrize("page", PAGES)
def test_every_variable_is_defined_under_environment(page):
    text = re.sub(r"\\f[BIRP]", " ", source(page))
    parts = sections(text)
    defined = set()
    for title, body in parts.items():
        for header in re.findall(r"^\.TP\n(.*)$", body, re.M):
            found = set(VARIABLE.findall(header))
            if found and title != "ENVIRONMENT":
                pytest.fail(f"{page}: {sorted(found)} defined under {title}, not ENVIRONMENT")
            defined |= found
    if "ENVIRONMENT" not in parts:
        return
    named = set(VARIABLE.findall(text)) - OTHER_TOOLS_VARIABLES.get(page, set())
    assert named <= defined, f"{page}: named but not under ENVIRONMENT: {sorted(named - defined)}"


@pytest.mark.parametrize("page", PAGES)
def test_no_sentence_is_cut_by_a_paragraph(page):
    for title, body in sections(source(page)).items():
        lines = body.splitlines()
        for line, after in zip(lines, lines[1:] + [".SH"]):
            if re.match(r"\.(PP|P|LP|TP|SH|SS)\b", after) and not line.startswith("."):
                text = re.sub(r"\\f[BIRP]", "", line).rstrip()
                assert not text.endswith((";", ",")), f"{page}: a sentence in {title} cut by {after}: {line!r}"
        assert not body.rstrip().endswith(".PP"), f"{page}: {title} ends with an empty paragraph"


@pytest.mark.parametrize("page", PAGES)
def test_table_cells_hold_no_paragraphs(page):
    for cell in re.findall(r"T\{\n(.*?)^T\}", source(page), re.S | re.M):
        for line in cell.splitlines():
            assert not re.match(r"\.(PP|P|LP|TP|SH|SS|EX|RS)\b", line), f"{page}: {line!r} inside a table cell"


@pytest.mark.parametrize("page", sorted(OWNED))
def test_each_subject_is_in_its_own_section(page):
    parts = sections(source(page))
    for title, phrases in OWNED[page].items():
        for phrase in phrases:
            where = [other for other, body in parts.items() if phrase in body]
            assert where == [title], f"{page}: {phrase!r} is under {where}, not {title}"
