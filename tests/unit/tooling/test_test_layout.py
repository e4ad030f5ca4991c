"""The two test suites stay easy to change: helpers live in plain modules (pytest loads conftest.py itself; importing
it runs its setup twice and binds to whichever ``conftest`` module got the name first)."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.support import REPO_ROOT

APP_TESTS = REPO_ROOT / "tests"
LIBRARY_TESTS = REPO_ROOT / "constructs" / "library_tests"
EVALS = REPO_ROOT / "evals"
#: What the app is made of (a test importing none of these, only the kit, tests the library).
APP_PACKAGES = {
    "app",
    "evals",
    "gateway_interceptor",
    "local_dev",
    "order_service",
    "scripts",
    "stacks",
    "support_agent",
}


@functools.cache
def _parsed(path: Path) -> ast.Module:
    """The file's syntax tree, parsed once per worker: the layout checks walk the same ~300 files several times."""
    return ast.parse(path.read_text(), filename=str(path))


def _imports(root: Path) -> Iterator[tuple[Path, str]]:
    """Every module name the Python file ``root`` or the files under folder ``root`` import (``from x import y``
    yields ``x`` and ``x.y``)."""
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        for node in ast.walk(_parsed(path)):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, node.module
                for alias in node.names:
                    yield path, f"{node.module}.{alias.name}"


def test_no_test_module_imports_a_conftest() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for folder in (APP_TESTS, LIBRARY_TESTS, EVALS)
        for path, name in _imports(folder)
        if "conftest" in name.split(".")
    ]
    assert offenders == []


def test_evals_import_no_test_module() -> None:
    """The evaluation runner ships with the app (``python -m evals.run``): it runs where no test suite is installed."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}" for path, name in _imports(EVALS) if name.split(".")[0] == "tests"
    ]
    assert offenders == []


def test_the_two_suites_are_distinct_top_level_packages() -> None:
    """Both suites named ``tests`` made one shadow the other (``ImportPathMismatchError: ('tests.conftest', ...)``
    when pytest saw both, and ``from tests... import`` bound to whichever came first on sys.path)."""
    assert (APP_TESTS / "__init__.py").is_file()
    assert (LIBRARY_TESTS / "__init__.py").is_file()
    assert APP_TESTS.name != LIBRARY_TESTS.name
    library_imports_app_tests = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path, name in _imports(LIBRARY_TESTS)
        if name.split(".")[0] == "tests"
    ]
    assert library_imports_app_tests == []


def test_the_library_suite_imports_no_app_code() -> None:
    """`make test` runs both suites in one session, with the repository root on sys.path; the library's suite must also
    pass alone (``cd constructs && pytest``, as a library maintainer runs it), so it may import no app module."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for path, name in _imports(LIBRARY_TESTS)
        if name.split(".")[0] in APP_PACKAGES | {"tests"}
    ]
    assert offenders == []


def test_pytest_collects_both_suites_in_one_run() -> None:
    """One pytest run over both suites loads both conftest.py files without a module-name clash."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            str(APP_TESTS / "unit" / "tooling" / "test_test_layout.py"),
            str(LIBRARY_TESTS / "test_docs.py"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "library_tests/test_docs.py::" in result.stdout


def test_tests_of_the_kit_alone_live_in_the_library_suite() -> None:
    """A test that imports the kit and nothing of the app belongs to the kit's owner (constructs/library_tests/kit);
    a test module another app test imports helpers from stays with it."""
    imported_by_app_tests = {name for _, name in _imports(APP_TESTS) if name.split(".")[0] == "tests"}
    misplaced = []
    for path in sorted(APP_TESTS.rglob("test_*.py")):
        names = {name for _, name in _imports(path)}
        module = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
        uses_kit = any(name.startswith("agentcore_constructs.kit") for name in names)
        uses_app = any(name.split(".")[0] in APP_PACKAGES | {"tests"} for name in names)
        if uses_kit and not uses_app and module not in imported_by_app_tests:
            misplaced.append(str(path.relative_to(REPO_ROOT)))
    assert misplaced == []


def _starts_a_server(path: Path) -> bool:
    """``path`` runs a server loop itself: it names ``uvicorn.Server`` or a socketserver's ``serve_forever``."""
    return any(
        isinstance(node, ast.Attribute)
        and (node.attr == "serve_forever" or (node.attr == "Server" and ast.unparse(node.value) == "uvicorn"))
        for node in ast.walk(_parsed(path))
    )


def test_each_suite_starts_local_servers_one_way() -> None:
    """A loopback server's start, readiness wait and shutdown live once per suite (tests/loopback.py,
    constructs/library_tests/loopback.py); tests hand it their app or server."""
    elsewhere = [
        str(path.relative_to(REPO_ROOT))
        for folder in (APP_TESTS, LIBRARY_TESTS)
        for path in sorted(folder.rglob("*.py"))
        if path != folder / "loopback.py" and _starts_a_server(path)
    ]
    assert elsewhere == []
