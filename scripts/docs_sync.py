"""Compares (--check) or updates the generated parts of completions/ and
man/ with what statesync-gen-docs wrote into GENERATED_DIR.

usage: docs_sync.py GENERATED_DIR SOURCE_DIR [--check]"""

import os
import re
import sys

TOOLS = ["statesync-pub", "statesync-sub", "statesync-lock"]


def completion_files(tool):
    return [f"bash/{tool}", f"zsh/_{tool}", f"fish/{tool}.fish"]


def generated_sections(generated, tool):
    with open(os.path.join(generated, "man", f"{tool}.connection-options.troff")) as f:
        connection = f.read()
    with open(os.path.join(generated, "man", f"{tool}.exit-status.troff")) as f:
        exit_status = f.read()
    return {"connection-options": connection, "exit-status": exit_status}


def fill(page, name, body):
    pattern = re.compile(r'(\.\\" BEGIN GENERATED %s\n).*?(\.\\" END GENERATED %s\n)' % (name, name), re.S)
    if not pattern.search(page):
        raise SystemExit(f"missing GENERATED {name} markers")
    return pattern.sub(lambda m: m.group(1) + body + m.group(2), page)


def main():
    generated, source = sys.argv[1], sys.argv[2]
    check = "--check" in sys.argv
    stale = []
    for tool in TOOLS:
        for rel in completion_files(tool):
            with open(os.path.join(generated, rel)) as f:
                want = f.read()
            path = os.path.join(source, "completions", rel)
            have = open(path).read() if os.path.exists(path) else None
            if have != want:
                stale.append(path)
                if not check:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as f:
                        f.write(want)
        page_path = os.path.join(source, "man", f"{tool}.1")
        if not os.path.exists(page_path):
            stale.append(page_path)
            continue
        with open(page_path) as f:
            page = f.read()
        updated = page
        for name, body in generated_sections(generated, tool).items():
            updated = fill(updated, name, body)
        if updated != page:
            stale.append(page_path)
            if not check:
                with open(page_path, "w") as f:
                    f.write(updated)
    if check and stale:
        print("not current (run scripts/update-docs): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
