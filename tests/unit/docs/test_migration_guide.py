"""The migration guide's counts and diffs are the real ones: recomputed from the PoC and the files after each stage.

The last stage's file runs through the local stack and the local e2e suite (tests/e2e, target "local-migrated-poc").
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
STAGES = [
    ("poc_agent.py", None),
    ("migration/stage1_runtime.py", "Stage 1, Runtime"),
    ("migration/stage2_memory.py", "Stage 2, Memory"),
    ("migration/stage3_gateway.py", "Stage 3, Gateway"),
    ("migration/stage4_identity.py", "Stage 4, Identity"),
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


def test_the_poc_is_the_articles_text_byte_for_byte() -> None:
    text = (DOCS / "poc_agent.py").read_bytes()
    assert hashlib.sha256(text).hexdigest() == ARTICLE_POC_SHA256
    assert text.startswith(b"# poc_agent.py -- no persistence, no auth, no monitoring\nfrom strands import Agent\n")


def test_stage_1_is_the_minimum_wrap_and_later_stages_type_at_most_three_lines() -> None:
    """Counted on the article's PoC verbatim; stage 1 also deletes the PoC's two comments, which it makes untrue."""
    counts = {}
    for (before, _), (after, label) in zip(STAGES, STAGES[1:], strict=False):
        _, typed, deleted = _diff(before, after)
        counts[label] = (typed, deleted)
    assert counts["Stage 1, Runtime"][0] <= 3
    assert all(typed <= 3 for label, (typed, _) in counts.items() if label != "Stage 1, Runtime")
    assert counts == {
        "Stage 1, Runtime": (3, 7),
        "Stage 2, Memory": (0, 0),
        "Stage 3, Gateway": (0, 5),
        "Stage 4, Identity": (0, 0),
    }


def test_no_stage_file_keeps_a_comment_the_migration_made_untrue() -> None:
    for path, _ in STAGES[1:]:
        text = (DOCS / path).read_text()
        assert "no persistence, no auth, no monitoring" not in text and "no isolation" not in text, path


def test_stage_3_deletes_only_the_local_tool_and_its_hard_coded_key() -> None:
    diff, _, _ = _diff("migration/stage2_memory.py", "migration/stage3_gateway.py")
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
    for path, _ in STAGES[1:]:
        compile((DOCS / path).read_text(), str(Path(path)), "exec")
