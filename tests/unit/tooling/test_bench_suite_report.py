"""`make bench` prints the test suites' figures from the JUnit report the last `make test` left, without re-running
them: the session's wall time, then per suite its test count, failures and slowest tests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from scripts.bench import SUITE_PATHS, TEST_REPORT, TEST_RESULTS, read_suite_report, suite_reports, suite_rows
from tests.support import REPO_ROOT

TINY_SUITE = """
import pytest

def test_passes():
    pass

def test_fails():
    assert 1 == 2

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass
"""


def test_the_report_of_a_real_pytest_run_gives_each_suites_counts_and_slowest_tests(tmp_path: Path) -> None:
    # The repository's layout, as `make test` passes the suites (SUITE_PATHS).
    for folder in SUITE_PATHS.values():
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / SUITE_PATHS["app"] / "test_tiny.py").write_text(TINY_SUITE)
    (tmp_path / SUITE_PATHS["library"] / "test_small.py").write_text("def test_one():\n    pass\n")
    report_path = tmp_path / "report.xml"
    plugins_off = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:langsmith_plugin", "-p", "no:hypothesispytest"]
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins_off, f"--junitxml={report_path}", *SUITE_PATHS.values()],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    app, library = suite_reports(report_path)
    assert app is not None and library is not None
    assert (app.tests, app.failed, app.skipped) == (3, 1, 1)
    assert (library.tests, library.failed, library.skipped) == (1, 0, 0)
    assert app.wall_seconds > 0 and app.wall_seconds == library.wall_seconds  # one session
    assert {test for _, test in app.slowest} == {
        "tests.test_tiny::test_passes",
        "tests.test_tiny::test_fails",
        "tests.test_tiny::test_skipped",
    }
    assert [seconds for seconds, _ in app.slowest] == sorted((s for s, _ in app.slowest), reverse=True)
    rows = dict(suite_rows([app, None]))
    assert rows["test suite app: tests / failed / skipped"] == "3 / 1 / 1"
    assert "run `make test`" in rows["test suite library"]


def test_a_missing_report_is_none_not_an_error(tmp_path: Path) -> None:
    assert read_suite_report("library", tmp_path / "absent.xml") is None


def test_make_test_writes_the_report_where_the_bench_reads_it() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    (results,) = re.findall(r"^TEST_RESULTS := \$\(CURDIR\)/(\S+)$", makefile, flags=re.MULTILINE)
    assert REPO_ROOT / results == TEST_RESULTS
    recipe = makefile.split("\ntest: install\n", 1)[1].split("\n\n", 1)[0]
    assert f"--junitxml=$(TEST_RESULTS)/{TEST_REPORT.name}" in recipe
    for path in SUITE_PATHS.values():
        assert f" {path} " in recipe
