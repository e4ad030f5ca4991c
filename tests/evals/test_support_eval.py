"""The offline evaluation suite: every support conversation of the dataset through the local stack (offline model,
JWT, Cedar-policed gateway, fake upstream) takes the expected tool trajectory, for the verified caller only, and
answers as expected; the judge fails a run that doesn't."""

from __future__ import annotations

import pytest

from evals.run import run_local
from evals.trajectories import Case, judge, load_cases

pytestmark = pytest.mark.xdist_group("evals")


@pytest.fixture(scope="module")
def outcomes():
    return run_local()


def test_every_case_takes_the_expected_trajectory_for_the_verified_caller(outcomes) -> None:
    assert [o.case.id for o in outcomes] == [c.id for c in load_cases()]
    assert {o.case.id: o.problems for o in outcomes if not o.passed} == {}
    assert all(o.tool_calls is not None for o in outcomes)


def test_a_forged_identity_in_the_prompt_still_looks_up_as_the_caller(outcomes) -> None:
    forged = next(o for o in outcomes if o.case.id == "forged-identity-in-the-prompt")
    assert forged.tool_calls == [{"path": "/orders/ORD-20002", "customer": "alice"}]


CASE = Case("c", "alice", ("q",), ({"path": "/orders/ORD-1", "customer": "alice"},), ("ok",), ("secret",))


@pytest.mark.parametrize(
    ("answers", "calls", "problem"),
    [
        (["ok"], [{"path": "/orders/ORD-1", "customer": "bob"}], "tool calls"),
        (["ok"], [], "tool calls"),
        (["nope"], [{"path": "/orders/ORD-1", "customer": "alice"}], "answer lacks 'ok'"),
        (["ok, secret"], [{"path": "/orders/ORD-1", "customer": "alice"}], "answer contains 'secret'"),
    ],
    ids=["wrong-caller", "no-tool-call", "missing-text", "leaked-text"],
)
def test_the_judge_fails_what_is_wrong(answers, calls, problem) -> None:
    outcome = judge(CASE, answers, calls)
    assert not outcome.passed and any(p.startswith(problem) for p in outcome.problems)


def test_without_observable_trajectories_only_answers_are_judged() -> None:
    assert judge(CASE, ["ok"], None).passed
