"""The outside-team example's clean venv is kept by content: the same wheel (file for file, whatever its zip
timestamps) reuses it, a changed wheel gets a new one and the old one goes."""

from __future__ import annotations

import base64
import hashlib
import os
import py_compile
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

from scripts import example_from_wheel
from scripts.example_from_wheel import clean_venv, venv_key


def _wheel(folder: Path, source: str, *, date_time: tuple[int, ...]) -> Path:
    """A minimal pure-Python wheel of ``tinypkg`` whose module is ``source`` (PEP 427 layout, RECORD with hashes)."""
    files = {
        "tinypkg/__init__.py": source,
        "tinypkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        "tinypkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files["tinypkg-1.0.dist-info/RECORD"] = "\n".join([*record, "tinypkg-1.0.dist-info/RECORD,,"]) + "\n"
    folder.mkdir(parents=True)
    wheel = folder / "tinypkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=date_time), text)
    return wheel


def test_the_same_content_reuses_the_venv_and_new_content_replaces_it(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = _wheel(tmp_path / "a", "VALUE = 1\n", date_time=(2020, 1, 1, 0, 0, 0))
    rebuilt = _wheel(tmp_path / "b", "VALUE = 1\n", date_time=(2024, 6, 1, 12, 0, 0))
    changed = _wheel(tmp_path / "c", "VALUE = 2\n", date_time=(2020, 1, 1, 0, 0, 0))
    assert first.read_bytes() != rebuilt.read_bytes()  # the zip timestamps differ, the files do not
    assert venv_key(first, "x==1\n") == venv_key(rebuilt, "x==1\n")
    assert venv_key(first, "x==1\n") != venv_key(changed, "x==1\n")
    assert venv_key(first, "x==1\n") != venv_key(first, "x==2\n")

    python = clean_venv(tmp_path / "work1", first, cache)
    installed = python.parent.parent / "lib"
    (module,) = installed.glob("python*/site-packages/tinypkg/__init__.py")
    assert module.read_text() == "VALUE = 1\n"
    made = (python.parent.parent / ".complete").stat().st_mtime_ns
    time.sleep(0.01)  # a rebuild would write .complete again, with a later time

    assert clean_venv(tmp_path / "work2", rebuilt, cache) == python
    assert (python.parent.parent / ".complete").stat().st_mtime_ns == made

    replaced = clean_venv(tmp_path / "work3", changed, cache)
    assert replaced != python and not python.parent.parent.exists()
    (module,) = (replaced.parent.parent / "lib").glob("python*/site-packages/tinypkg/__init__.py")
    assert module.read_text() == "VALUE = 2\n"


def test_an_interrupted_build_is_rebuilt(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    wheel = _wheel(tmp_path / "a", "VALUE = 1\n", date_time=(2020, 1, 1, 0, 0, 0))
    python = clean_venv(tmp_path / "work1", wheel, cache)
    (python.parent.parent / ".complete").unlink()  # as if the first build had stopped half-way
    (python.parent.parent / "left-over").write_text("partial")
    assert clean_venv(tmp_path / "work2", wheel, cache) == python
    assert not (python.parent.parent / "left-over").exists()
    assert (python.parent.parent / ".complete").is_file()


def test_a_new_venv_takes_the_bytecode_of_the_very_same_files_only(tmp_path: Path, monkeypatch) -> None:
    layout = Path("lib") / "python3" / "site-packages"
    ours, theirs = tmp_path / "repo-venv", tmp_path / "clean-venv"
    (ours / layout / "pkg").mkdir(parents=True)
    (theirs / layout / "pkg").mkdir(parents=True)
    for name in ("linked", "own"):
        (ours / layout / "pkg" / f"{name}.py").write_text(f"NAME = {name!r}\n")
        py_compile.compile(str(ours / layout / "pkg" / f"{name}.py"))
    os.link(ours / layout / "pkg" / "linked.py", theirs / layout / "pkg" / "linked.py")  # uv's hardlink
    (theirs / layout / "pkg" / "own.py").write_text("NAME = 'own'\n")  # same text, another file: not shared
    monkeypatch.setattr(sysconfig, "get_paths", lambda: {"purelib": str(ours / layout)})
    monkeypatch.setattr(sys, "prefix", str(ours))

    assert example_from_wheel.share_bytecode(theirs) == 1
    cached = {p.name.split(".")[0] for p in (theirs / layout / "pkg" / "__pycache__").iterdir()}
    assert cached == {"linked"}
    assert example_from_wheel.share_bytecode(theirs) == 0  # already there: nothing linked twice
