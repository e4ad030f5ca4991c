"""The migration guide's counts and diffs are the real ones: recomputed from the PoC and the files after each stage.

The same PoC rewritten in LangGraph (docs/migration/langgraph/) migrates within the same bounds. The last stage's file
of each runs through the local stack and the local e2e suite (tests/e2e, targets "local-migrated-poc" and
"local-migrated-poc-langgraph").
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
STAGES = [
    ("poc_agent.py", None),
    ("migration/stage1_runtime.py", "Stage 1, Runtime"),
    ("migration/stage2_memory.py", "Stage 2, Memory"),
    ("migration/stage3_gateway.py", "Stage 3, Gateway"),
    ("migration/stage4_identity.py", "Stage 4, Identity"),
]
#: The article's PoC rewritten in LangGraph (LangChain's ``create_agent``), and the same stages.
LANGGRAPH_STAGES = [
    ("migration/langgraph/poc_agent.py", None),
    *((f"migration/langgraph/{Path(path).name}", label) for path, label in STAGES[1:]),
]


def _diff(before: str, after: str) -> tuple[str, int, int]:
    lines = list(
        difflib.unified_diff(
            (DOCS / before).read_text().splitlines(),
            (DOCS / after).read_text().splitlines(),
            "main.py",
            "main.py",
            lineterm="",
            n=1,
        )
    )
    typed = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    deleted = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return "\n".join(lines), typed, deleted


def test_the_poc_is_the_articles_verbatim_first_line() -> None:
    assert (DOCS / "poc_agent.py").read_text().startswith("# poc_agent.py -- no persistence, no auth, no monitoring\n")


def _counts(stages: list[tuple[str, str | None]]) -> dict[str | None, tuple[int, int]]:
    return {label: _diff(before, after)[1:] for (before, _), (after, label) in zip(stages, stages[1:], strict=False)}


@pytest.mark.parametrize("stages", [STAGES, LANGGRAPH_STAGES], ids=["strands", "langgraph"])
def test_stage_1_is_the_minimum_wrap_and_later_stages_type_at_most_three_lines(stages) -> None:
    counts = _counts(stages)
    assert sum(counts["Stage 1, Runtime"]) <= 8
    assert all(typed <= 3 for label, (typed, _) in counts.items() if label != "Stage 1, Runtime")
    assert counts == {
        "Stage 1, Runtime": (3, 5),
        "Stage 2, Memory": (0, 0),
        "Stage 3, Gateway": (0, 7),
        "Stage 4, Identity": (0, 0),
    }


def test_the_langgraph_poc_is_the_articles_poc_but_for_the_framework_lines() -> None:
    """Everything that is not the framework (the first line, the tool with its key, the comment, the main guard) is
    the article's, line for line: the two guides migrate the same PoC."""
    framework = re.compile(r"\b(strands|langchain|langchain_aws|Agent|agent|BedrockModel|model)\b|while True")
    strands, langgraph = ((DOCS / path).read_text().splitlines() for path in ("poc_agent.py", LANGGRAPH_STAGES[0][0]))
    common = [line for line in strands if not framework.search(line)]
    assert [line for line in langgraph if not framework.search(line)] == common
    assert len(common) == len(strands) - 6  # imports (2), model and agent, the REPL loop (2)


@pytest.mark.parametrize("stages", [STAGES, LANGGRAPH_STAGES], ids=["strands", "langgraph"])
def test_stage_3_deletes_only_the_local_tool_and_its_hard_coded_key(stages) -> None:
    diff, _, _ = _diff(stages[2][0], stages[3][0])
    deleted = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert "import requests" in deleted and any("sk-hardcoded-key" in line for line in deleted)
    assert all(
        not line.strip() or "requests" in line or "lookup_order" in line or line.startswith(" ") for line in deleted
    )


def test_the_guide_shows_the_real_diffs_and_counts() -> None:
    guide = (DOCS / "migration.md").read_text()
    for (before, _), (after, label) in zip(STAGES, STAGES[1:], strict=False):
        diff, typed, deleted = _diff(before, after)
        if diff:
            assert f"```diff\n{diff}\n```" in guide, label
        heading = guide.split(f"**{label}**", 1)[1][:200]
        expected = (
            f"**{typed + deleted} changed lines** ({typed} typed, {deleted} deleted)"
            if label == "Stage 1, Runtime"
            else "**0 changed lines.**"
            if typed + deleted == 0
            else f"**{typed} typed, {deleted} deleted**"
        )
        assert expected in heading, (label, heading)


def test_each_stage_file_is_valid_python() -> None:
    for path, _ in [*STAGES[1:], *LANGGRAPH_STAGES]:
        compile((DOCS / path).read_text(), str(Path(path)), "exec")
