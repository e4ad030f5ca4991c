"""The migration guide's counts and diffs are the real ones: recomputed from the PoC and the files after each stage.

The same PoC rewritten in LangGraph (docs/migration/langgraph/) migrates within the same bounds. The last stage's file
of each runs through the local stack and the local e2e suite (tests/e2e, targets "local-migrated-poc" and
"local-migrated-poc-langgraph").
"""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

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


#: SHA-256 of the seed article's PoC, the code block under "Before: The Typical PoC Agent" (between its ```python
#: and ``` lines), byte for byte. The file is excluded from formatting (pyproject: ruff extend-exclude).
ARTICLE_POC_SHA256 = "e67773f37cf3fcd952f240eb109a5a76d3c5255bd2923dc73e0778fa1d944846"
#: The PoC's two comments describe the PoC ("no persistence, no auth, no monitoring", "no isolation"); stage 1 makes
#: them untrue, so it deletes them.
POC_COMMENTS = 2


def test_the_poc_is_the_articles_text_byte_for_byte() -> None:
    text = (DOCS / "poc_agent.py").read_bytes()
    assert hashlib.sha256(text).hexdigest() == ARTICLE_POC_SHA256
    assert text.startswith(b"# poc_agent.py -- no persistence, no auth, no monitoring\nfrom strands import Agent\n")


def _counts(stages: list[tuple[str, str | None]]) -> dict[str | None, tuple[int, int]]:
    return {label: _diff(before, after)[1:] for (before, _), (after, label) in zip(stages, stages[1:], strict=False)}


@pytest.mark.parametrize("stages", [STAGES, LANGGRAPH_STAGES], ids=["strands", "langgraph"])
def test_stage_1_is_the_minimum_wrap_and_later_stages_type_at_most_three_lines(stages) -> None:
    """Counted on the article's PoC verbatim (and its LangGraph rewrite): stage 1 changes at most 8 lines of code,
    plus the PoC's two comments it makes untrue; later stages type nothing."""
    counts = _counts(stages)
    typed, deleted = counts["Stage 1, Runtime"]
    assert typed + deleted - POC_COMMENTS <= 8
    assert all(typed <= 3 for label, (typed, _) in counts.items() if label != "Stage 1, Runtime")
    assert counts == {
        "Stage 1, Runtime": (3, 7),
        "Stage 2, Memory": (0, 0),
        "Stage 3, Gateway": (0, 5),
        "Stage 4, Identity": (0, 0),
    }


@pytest.mark.parametrize("stages", [STAGES, LANGGRAPH_STAGES], ids=["strands", "langgraph"])
def test_no_stage_file_keeps_a_comment_the_migration_made_untrue(stages) -> None:
    for path, _ in stages[1:]:
        text = (DOCS / path).read_text()
        assert "no persistence, no auth, no monitoring" not in text and "no isolation" not in text, path


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


def test_the_guide_shows_the_langgraph_stage_1_diff_and_count() -> None:
    guide = (DOCS / "migration.md").read_text()
    diff, typed, deleted = _diff(LANGGRAPH_STAGES[0][0], LANGGRAPH_STAGES[1][0])
    assert f"```diff\n{diff}\n```" in guide
    assert f"**LangGraph stage 1: {typed + deleted} changed lines** ({typed} typed, {deleted} deleted" in guide


def test_each_stage_file_is_valid_python() -> None:
    for path, _ in [*STAGES[1:], *LANGGRAPH_STAGES]:
        compile((DOCS / path).read_text(), str(Path(path)), "exec")
