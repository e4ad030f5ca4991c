"""`make bench` prints the test suites' figures from the JUnit reports the last `make test` left, without re-running
them: wall time, test count, failures and the slowest tests, per suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from scripts.bench import SUITES, TEST_RESULTS, read_suite_report, suite_rows
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


def test_the_report_of_a_real_pytest_run_gives_its_counts_and_slowest_tests(tmp_path: Path) -> None:
    (tmp_path / "test_tiny.py").write_text(TINY_SUITE)
    report_path = tmp_path / "report.xml"
    plugins_off = ["-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:langsmith_plugin", "-p", "no:hypothesispytest"]
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins_off, f"--junitxml={report_path}"],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    report = read_suite_report("app", report_path)
    assert report is not None
    assert (report.tests, report.failed, report.skipped) == (3, 1, 1)
    assert report.wall_seconds > 0
    assert {test for _, test in report.slowest} == {
        "test_tiny::test_passes",
        "test_tiny::test_fails",
        "test_tiny::test_skipped",
    }
    assert [seconds for seconds, _ in report.slowest] == sorted((s for s, _ in report.slowest), reverse=True)
    rows = dict(suite_rows([report, None]))
    (app_row,) = [value for name, value in rows.items() if name.startswith("test suite app")]
    assert app_row.endswith(" / 3 / 1 / 1")
    assert "run `make test`" in rows["test suite library"]


def test_a_missing_report_is_none_not_an_error(tmp_path: Path) -> None:
    assert read_suite_report("library", tmp_path / "absent.xml") is None


def test_make_test_writes_each_suites_report_where_the_bench_reads_it() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    (results,) = re.findall(r"^TEST_RESULTS := \$\(CURDIR\)/(\S+)$", makefile, flags=re.MULTILINE)
    assert REPO_ROOT / results == TEST_RESULTS
    recipe = makefile.split("\ntest: install\n", 1)[1].split("\n\n", 1)[0]
    for name in SUITES:
        assert f"--junitxml=$(TEST_RESULTS)/{name}.xml" in recipe
