"""The scorecard over the session's synthesized assembly (``poc`` runtime-only, ``full``, ``leaky``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcore_constructs.readiness import CHECKLIST, GAPS, RULES, cli
from agentcore_constructs.readiness.evidence import E2eRun, record_e2e_run
from agentcore_constructs.readiness.scorecard import GAP_RULES, JSON_NAME, MARKDOWN_NAME, verdict

pytestmark = pytest.mark.xdist_group("synth")


def _run(environment: str, *, failed: int = 0) -> E2eRun:
    return E2eRun(environment, "canary", "7", "2026-11-29T10:00:00+00:00", passed=12, failed=failed, skipped=1)


@pytest.fixture(scope="module")
def card(synthesized: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    evidence = tmp_path_factory.mktemp("e2e-evidence")
    record_e2e_run(evidence, _run("full"))
    assert cli.main([str(synthesized.outdir), "--quiet", "--e2e-evidence", str(evidence)]) == 0
    data = json.loads((synthesized.outdir / JSON_NAME).read_text())
    return {e["environment"]: e for e in data["environments"]} | {"_raw": data, "_outdir": synthesized.outdir}


def _open_gaps(env: dict[str, Any]) -> set[str]:
    return {g["key"] for g in env["gaps"] if not g["ok"]}


def test_runtime_only_stage_is_not_production_ready(card: dict[str, Any]) -> None:
    poc = card["poc"]
    assert _open_gaps(poc) == {"hosting", "memory", "tools", "auth", "observability"}
    assert poc["gap_count"] == 5 and not poc["production_ready"]
    assert poc["verdict"].startswith("Not production-ready")
    checklist = {i["key"]: i["ok"] for i in poc["checklist"]}
    assert checklist == {"1": True, "2": False, "3": False, "4": True, "5": False, "6": False, "7": True, "8": False}
    memory = next(i for i in poc["checklist"] if i["key"] == "2")
    assert memory["findings"][0]["construct_path"] == "poc/Agent/Runtime/Resource"


def test_complete_stage_has_no_gaps(card: dict[str, Any]) -> None:
    full = card["full"]
    assert full["gap_count"] == 0 and full["no_gaps"]
    assert all(i["ok"] for i in full["checklist"] + full["beyond_the_checklist"])
    assert full["checklist_passed"] == 8
    # A template proves retries only as a declaration: the scorecard says so. Item 8 rests on the recorded run.
    assert full["checklist_declared"] == ["6"]
    evidence = {i["key"]: (i["evidence"], i["run"]) for i in full["checklist"]}
    assert evidence["7"] == ("verified", None)
    assert evidence["8"] == (
        "e2e run",
        "passed 2026-11-29T10:00:00+00:00 (end-to-end suite) against canary, version 7: 12 passed, 0 failed, 1 skipped",
    )


def _item_8(outdir: Path, evidence: Path | None, environment: str) -> dict[str, Any]:
    from agentcore_constructs.readiness.scorecard import build_scorecard

    env = next(e for e in build_scorecard(outdir, evidence)["environments"] if e["environment"] == environment)
    return next(i for i in env["checklist"] if i["key"] == "8")


def test_item_8_is_never_proven_by_outputs_alone_and_a_failed_run_fails_it(
    card: dict[str, Any], tmp_path: Path
) -> None:
    never = _item_8(card["_outdir"], tmp_path, "full")
    assert not never["ok"] and never["evidence"] == "never run"
    # Advice any app can follow (the library's users have no `make e2e`): where the record goes and what writes it.
    assert f"({tmp_path / 'full.json'})" in never["run"] and "evidence.record_e2e_run" in never["run"]
    assert "make " not in never["run"]
    assert not _item_8(card["_outdir"], None, "full")["ok"]
    record_e2e_run(tmp_path, _run("full", failed=2))
    failed = _item_8(card["_outdir"], tmp_path, "full")
    assert not failed["ok"] and failed["run"].startswith("failed")


def test_a_malformed_run_record_is_an_error_not_a_pass(card: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "full.json").write_text('{"environment": "full", "passed": "all"}')
    with pytest.raises(ValueError, match="not an end-to-end run record"):
        _item_8(card["_outdir"], tmp_path, "full")


def test_acknowledged_findings_pass_with_their_reason(card: dict[str, Any]) -> None:
    from library_tests.readiness.cdk_app import RETRY_ACK

    retries = next(i for i in card["leaky"]["checklist"] if i["key"] == "6")
    assert [f["id"] for f in retries["acknowledged"]] == ["Readiness-Retries[Env::AGENT_RETRY_MODE]"]
    assert retries["acknowledged"][0]["acknowledged"] == RETRY_ACK
    assert [f["id"] for f in retries["findings"]] == ["Readiness-Retries[Env::AGENT_RETRY_MAX_ATTEMPTS]"]
    assert _open_gaps(card["leaky"]) == {"hosting", "observability"}
    assert card["leaky"]["verdict"].startswith("Almost")


def test_markdown_and_text_render_marks_paths_and_acknowledgements(
    card: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    markdown = (card["_outdir"] / MARKDOWN_NAME).read_text()
    assert "## poc" in markdown and "## full" in markdown
    assert "- ✗ 2. Memory configured" in markdown and "- ✓ 1. Agent deployed to Runtime" in markdown
    assert "- ✓ 8. End-to-end tests against deployed agent, not just local dev server (passed 2026-11-29" in markdown
    assert "- ✗ 8. End-to-end tests against deployed agent, not just local dev server (never run:" in markdown
    assert "`poc/Agent/Runtime/Resource`" in markdown
    assert "(acknowledged: mode comes from the platform default)" in markdown
    assert "**Verdict:** Not production-ready." in markdown
    assert cli.main([str(card["_outdir"])]) == 0
    out = capsys.readouterr().out
    assert "PoC gaps: 5 open" in out and "PoC gaps: 0 open" in out


def test_strict_exit_status(card: dict[str, Any], tmp_path: Path) -> None:
    outdir = str(card["_outdir"])
    assert cli.main([outdir, "--quiet", "--strict", "full"]) == 0
    assert cli.main([outdir, "--quiet", "--strict", "poc"]) == 1
    assert cli.main([outdir, "--quiet", "--strict", "nope"]) == 2
    assert cli.main([str(tmp_path), "--quiet"]) == 2


def test_gap_table_and_verdict() -> None:
    assert set(GAP_RULES) == set(GAPS)
    assert GAP_RULES["isolation"] == ["Readiness-Runtime", "Readiness-LeastPrivilege"]
    assert {r.checklist for r in RULES.values()} - {None} == set(CHECKLIST)
    assert [verdict(n).split(":")[0].split(".")[0] for n in (0, 2, 3)] == [
        "Production-ready",
        "Almost",
        "Not production-ready",
    ]


def test_item_5_is_not_ticked_with_tracing_off(tmp_path: Path) -> None:
    """Every stage on, but the agent runs without ADOT: logs, dashboard and alarms are there, the agent's traces not."""
    import aws_cdk as cdk

    from agentcore_constructs.readiness.scorecard import build_scorecard
    from library_tests.constructs.test_two_agents import ACCOUNT, add_agent, synthesize

    def build(app: cdk.App) -> None:
        add_agent(cdk.Stack(app, "Untraced", env=ACCOUNT), "untraced", runtime_props={"adot_instrumentation": False})

    _, failures = synthesize(tmp_path, build)
    assert [f.rule for f in failures] == ["Readiness-Observability[Traces::Agent]"]
    (environment,) = build_scorecard(tmp_path)["environments"]
    items = {i["key"]: i for i in environment["checklist"]}
    assert not items["5"]["ok"]
    assert [f["id"] for f in items["5"]["findings"]] == ["Readiness-Observability[Traces::Agent]"]
    assert "does not run under opentelemetry-instrument" in items["5"]["findings"][0]["message"]
    assert all(items[k]["ok"] for k in ("1", "2", "3", "4", "6", "7"))


def test_the_scorecard_cli_runs_under_python_oo_without_docstrings() -> None:
    """``python -OO`` strips docstrings: the CLI's description must not depend on one (a pyright finding)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-OO", "-m", "agentcore_constructs.readiness.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-500:]
    assert "usage: agentcore-scorecard" in result.stdout
