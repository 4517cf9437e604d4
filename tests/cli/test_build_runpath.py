"""No binary the build makes searches the current directory for libraries
(issue 22, item 13): an empty RUNPATH entry (CMake's padding, "::::") or a
relative one makes the loader look where the user happens to stand, so a
file named like a library there runs as the user (root for a cron job)."""

import os
import subprocess

from conftest import BUILD, clean_env, tool_path

ELF_MAGIC = b"\x7fELF"
# e_type at offset 16: 2 is an executable, 3 a shared object or PIE.
LINKED_TYPES = (2, 3)


def built_binaries():
    """Every executable and shared library under the build tree, leaving out
    CMake's own probes (CMakeFiles) and object files."""
    for root, dirs, files in os.walk(BUILD):
        dirs[:] = [d for d in dirs if d != "CMakeFiles"]
        for name in files:
            path = os.path.join(root, name)
            if os.path.islink(path) or name.endswith((".o", ".a")):
                continue
            with open(path, "rb") as f:
                head = f.read(18)
            if head.startswith(ELF_MAGIC) and int.from_bytes(head[16:18], "little") in LINKED_TYPES:
                yield path


def search_paths(path):
    """The RPATH and RUNPATH entries of a binary's dynamic section."""
    out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, check=True).stdout
    entries = []
    for line in out.splitlines():
        if "(RPATH)" in line or "(RUNPATH)" in line:
            value = line.split("[", 1)[1].rsplit("]", 1)[0]
            entries.extend(value.split(":"))
    return entries


def test_no_binary_searches_the_current_directory():
    binaries = list(built_binaries())
    tools = {os.path.basename(b) for b in binaries}
    assert {"statesync-pub", "statesync-sub", "statesync-lock"} <= tools
    unsafe = {}
    for binary in binaries:
        bad = [e for e in search_paths(binary) if not e.startswith(("/", "$ORIGIN"))]
        if bad:
            unsafe[os.path.relpath(binary, BUILD)] = bad
    assert unsafe == {}


def test_a_library_file_in_the_current_directory_is_not_loaded(tmp_path):
    # What the issue saw: run from a directory holding a file named like a
    # library the tool needs, the loader took that file and the tool died.
    for name in ("libm.so.6", "libc.so.6", "libstatesync.so.1", "libstdc++.so.6", "libgcc_s.so.1"):
        (tmp_path / name).write_bytes(b"not a library")
    result = subprocess.run([tool_path("statesync-pub"), "--version"], cwd=tmp_path, capture_output=True,
                            env=clean_env(), timeout=60)
    assert result.returncode == 0, result.stderr
