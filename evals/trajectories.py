"""The support-conversation dataset (evals/support_conversations.json) and how a run is judged: the tool calls the
upstream saw (path and the verified caller it was asked for) must equal the expected trajectory, and the answers
must contain / exclude the expected text. A case fails with every difference listed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATASET = Path(__file__).with_name("support_conversations.json")


@dataclass(frozen=True)
class Case:
    id: str
    user: str
    turns: tuple[str, ...]
    expected_tool_calls: tuple[dict[str, str], ...]
    answer_contains: tuple[str, ...] = ()
    answer_excludes: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    answers: list[str]
    tool_calls: list[dict[str, str]] | None  #: None: the target can't observe them (deployed)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def load_cases(path: Path = DATASET) -> list[Case]:
    data = json.loads(path.read_text())
    return [
        Case(
            id=c["id"],
            user=c["user"],
            turns=tuple(c["turns"]),
            expected_tool_calls=tuple(c["expected_tool_calls"]),
            answer_contains=tuple(c.get("answer_contains", ())),
            answer_excludes=tuple(c.get("answer_excludes", ())),
        )
        for c in data["cases"]
    ]


def judge(case: Case, answers: Sequence[str], tool_calls: list[dict[str, str]] | None) -> Outcome:
    outcome = Outcome(case, list(answers), tool_calls)
    if tool_calls is not None and tool_calls != list(case.expected_tool_calls):
        outcome.problems.append(f"tool calls {tool_calls} != expected {list(case.expected_tool_calls)}")
    text = "\n".join(answers).lower()
    outcome.problems += [f"answer lacks {s!r}" for s in case.answer_contains if s.lower() not in text]
    outcome.problems += [f"answer contains {s!r}" for s in case.answer_excludes if s.lower() in text]
    return outcome


def run_case(
    case: Case,
    ask: Callable[[str, str, str], str],
    observe_tool_calls: Callable[[], list[dict[str, str]]] | None,
) -> Outcome:
    """``ask(user, prompt, session_id) -> answer``; ``observe_tool_calls()`` -> calls since the previous call."""
    if observe_tool_calls is not None:
        observe_tool_calls()  # drop what earlier cases left
    session = f"eval-{case.id}-{uuid.uuid4().hex}"
    answers = [ask(case.user, turn, session) for turn in case.turns]
    return judge(case, answers, observe_tool_calls() if observe_tool_calls is not None else None)


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return {
        "passed": sum(o.passed for o in outcomes),
        "failed": [{"case": o.case.id, "problems": o.problems} for o in outcomes if not o.passed],
        "trajectories_checked": all(o.tool_calls is not None for o in outcomes),
    }
