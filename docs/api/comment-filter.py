#!/usr/bin/env python3
"""Doxygen's INPUT_FILTER for the public headers: their plain // comments are
the API documentation, so they are handed to doxygen as doc comments rather
than written twice. The comment block at the top of a header (after
#pragma once) describes the file; a comment on the line(s) before a
declaration describes it; a comment after a declaration on its line (and
the comment lines aligned under it) describes that member. A comment before
a run of function declarations (no blank line between them) describes each
of them, as a doxygen member group whose first member's documentation is
shared; a field's comment is its own."""
import re
import sys

LEADING = re.compile(r"^(\s*)//(?!/)(.*)$")
TRAILING = re.compile(r"^(.*?[;,{}])(\s*)//(?!/)(.*)$")


PLACEHOLDER = re.compile(r"<([a-z][\w-]*)>")


def doc(text):
    """A comment's text as doxygen reads it: <prefix>, a placeholder, is not HTML."""
    return PLACEHOLDER.sub(r"\\<\1\\>", text)


def filtered(lines):
    out = []
    at_top = True  # before the first declaration: the file's own comment
    trailing_column = None  # the column of the trailing comment above, if any
    for line in lines:
        leading = LEADING.match(line)
        if leading:
            indent, text = leading.groups()
            text = doc(text)
            if trailing_column is not None and len(indent) == trailing_column:
                out.append(f"{indent}///<{text}")  # continues the member's comment above
            elif at_top:
                if not out or not out[-1].startswith("//!"):
                    out.append("//! @file")
                out.append(f"{indent}//!{text}")
            else:
                out.append(f"{indent}///{text}")
            continue
        trailing_column = None
        stripped = line.strip()
        if (stripped and not stripped.startswith("#")) or (not stripped and out and out[-1].startswith("//!")):
            at_top = False  # the file's comment ends at its first blank line
        trailing = TRAILING.match(line)
        if trailing and not trailing.group(1).strip().startswith("}"):
            code, space, text = trailing.groups()
            text = doc(text)
            if code.lstrip().startswith("enum"):
                # doxygen takes ///< after an enum's body for its last value
                indent = code[: len(code) - len(code.lstrip())]
                out += [f"{indent}///{text}", code]
                continue
            trailing_column = len(code) + len(space)
            out.append(f"{code}{space}///<{text}")
            continue
        out.append(line)
    return out


def is_declaration(line):
    """One whole declaration on one line: nothing opened or closed across it."""
    code = line.split("//")[0].rstrip()
    return code.endswith(";") and code.count("{") == code.count("}") and not code.lstrip().startswith("}")


def grouped(lines):
    """Wraps a comment and the run of two or more declarations under it in a member group."""
    out = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("///") and not lines[i].lstrip().startswith("///<"):
            start = i
            while i < len(lines) and lines[i].lstrip().startswith("///") and not lines[i].lstrip().startswith("///<"):
                i += 1
            run = i
            while run < len(lines) and (is_declaration(lines[run]) or lines[run].lstrip().startswith("///<")):
                run += 1
            declarations = [line for line in lines[i:run] if is_declaration(line)]
            # Functions only (overloads, a family of calls): a field's comment is its own.
            if len(declarations) >= 2 and all("(" in line.split("//")[0] for line in declarations):
                indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
                out += [f"{indent}///@{{"] + lines[start:run] + [f"{indent}///@}}"]
                i = run
            else:
                out += lines[start:i]
            continue
        out.append(lines[i])
        i += 1
    return out


with open(sys.argv[1], encoding="utf-8") as header:
    print("\n".join(grouped(filtered(header.read().split("\n")))), end="")
