"""One props convention (``agentcore_constructs.props``): every construct checks all its props before it creates a
resource and raises ONE :class:`PropsError` naming every mistake, each line ``<Class> <path>: <prop> <what is
wrong>``; and no construct module raises a bare ``ValueError`` for its props (a static check over the package)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns

import agentcore_constructs
from agentcore_constructs import (
    AgentMemory,
    AgentObservability,
    AlarmThresholds,
    EndpointRollback,
    OnlineEvaluation,
    ToolGateway,
    ToolPolicy,
    TransactionSearch,
)
from agentcore_constructs.keys import refuse_alias
from agentcore_constructs.model_access import ModelAccess, ModelAccessError
from agentcore_constructs.network import RuntimeVpcEndpoints
from agentcore_constructs.props import Problems, PropsError, exactly_one_source, merged_props
from agentcore_constructs.python_function import PythonArm64Function
from constructs import Construct
from library_tests.support import new_runtime, new_stack

ALIAS_ARN = "arn:aws:kms:us-east-1:111122223333:alias/agent"
APP_PROFILE = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3d4e5f6"


def _alias(stack: cdk.Stack, construct_id: str = "Alias") -> kms.IKey:
    return kms.Key.from_key_arn(stack, construct_id, ALIAS_ARN)


def _refused(stack: cdk.Stack, construct_id: str, build: Callable[[], object]) -> PropsError:
    """The one PropsError ``build`` raises, after checking that the construct it started created nothing."""
    with pytest.raises(PropsError) as raised:
        build()
    assert stack.node.find_child(construct_id).node.children == [], "a resource was created before the check"
    return raised.value


def _assert_names_every_prop(error: PropsError, owner: str, props: list[str]) -> None:
    lines = str(error).splitlines()
    assert error.owner == owner
    assert all(line.startswith(f"{owner}: ") for line in lines), lines
    named = [line.removeprefix(f"{owner}: ").split(" ", 1)[0] for line in lines]
    assert sorted(set(named)) == sorted(props), lines
    assert len(lines) == len(error.problems)


# --- Problems / PropsError themselves -------------------------------------------------------------------------------


def test_problems_are_owned_by_class_and_path_and_raised_once_together() -> None:
    stack = new_stack()
    problems = Problems.of(Construct(stack, "Thing"))
    assert problems.owner == "Construct Test/Thing"
    assert problems.check(True, "ok", "never recorded") is True
    assert problems.check(0, "size", "0 must be >= 1") is False
    problems.extend([("mode", "'X' must be one of A, B"), ("name", "'' must not be empty")])
    with pytest.raises(PropsError) as raised:
        problems.raise_if_any()
    assert isinstance(raised.value, ValueError)
    assert str(raised.value).splitlines() == [
        "Construct Test/Thing: size 0 must be >= 1",
        "Construct Test/Thing: mode 'X' must be one of A, B",
        "Construct Test/Thing: name '' must not be empty",
    ]
    assert raised.value.problems == ("size 0 must be >= 1", "mode 'X' must be one of A, B", "name '' must not be empty")


def test_no_problem_raises_nothing() -> None:
    problems = Problems("Owner Test/X")
    problems.extend([])
    problems.raise_if_any()
    assert problems.found == []


def test_existing_and_props_are_alternatives_naming_both() -> None:
    problems = Problems("Owner Test/X")
    exactly_one_source(problems, "existing_topic", None, "topic_props", {"a": 1})
    exactly_one_source(problems, "existing_topic", object(), "topic_props", None)
    assert problems.found == []
    exactly_one_source(problems, "existing_topic", object(), "topic_props", {"a": 1})
    assert len(problems.found) == 1
    assert problems.found[0].startswith("topic_props and existing_topic are alternatives")


def test_merged_props_reports_unknown_and_owned_keys_in_one_error() -> None:
    def target(*, a: int = 0, b: int = 0) -> None: ...

    assert merged_props("Owner Test/X", "x_props", {"a": 1}, {"b": 2}, target) == {"a": 1, "b": 2}
    with pytest.raises(PropsError) as raised:
        merged_props("Owner Test/X", "x_props", {}, {"a": 1, "zzz": 2}, target, fixed=("a",))
    lines = str(raised.value).splitlines()
    assert len(lines) == 2 and all(line.startswith("Owner Test/X: x_props ") for line in lines)
    assert "does not take: ['zzz']" in lines[0] and "may not set ['a']" in lines[1]


# --- Every construct: all problems at once, before any resource -----------------------------------------------------


def test_agent_memory() -> None:
    stack = new_stack()
    error = _refused(
        stack,
        "Memory",
        lambda: AgentMemory(
            stack,
            "Memory",
            memory_name="9-bad",
            event_expiry=cdk.Duration.days(1),
            encryption_key=_alias(stack),
        ),
    )
    _assert_names_every_prop(error, "AgentMemory Test/Memory", ["memory_name", "event_expiry", "encryption_key"])


def test_agent_observability() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    error = _refused(
        stack,
        "Obs",
        lambda: AgentObservability(
            stack,
            "Obs",
            runtime=runtime,
            name_prefix="team/agent",
            thresholds=AlarmThresholds(error_rate_percent=150, latency_p90_ms=10**9, evaluation_periods=0),
            alarm_emails=["not-an-email"],
            topic_key=_alias(stack),
        ),
    )
    _assert_names_every_prop(
        error,
        "AgentObservability Test/Obs",
        [
            "thresholds.error_rate_percent",
            "thresholds.latency_p90_ms",
            "thresholds.evaluation_periods",
            "alarm_emails",
            "name_prefix",
            "topic_key",
        ],
    )


def test_transaction_search() -> None:
    # Its one prop: the line has the same shape.
    stack = new_stack()
    error = _refused(stack, "Search", lambda: TransactionSearch(stack, "Search", indexing_percent=150))
    _assert_names_every_prop(error, "TransactionSearch Test/Search", ["indexing_percent"])


def test_online_evaluation_and_its_metric_method() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)
    error = _refused(
        stack,
        "Eval",
        lambda: OnlineEvaluation(
            stack,
            "Eval",
            runtime=runtime,
            evaluators=("HELPFULNESS", "VIBES"),
            sampling_percent=0,
            config_name="no spaces allowed",
            min_score=2,
        ),
    )
    _assert_names_every_prop(
        error, "OnlineEvaluation Test/Eval", ["evaluators", "sampling_percent", "config_name", "min_score"]
    )
    evaluation = OnlineEvaluation(stack, "Good", runtime=runtime, evaluators=("HELPFULNESS",))
    with pytest.raises(PropsError) as raised:
        evaluation.metric_score("CORRECTNESS")
    _assert_names_every_prop(raised.value, "OnlineEvaluation Test/Good", ["evaluator"])


def test_runtime_vpc_endpoints() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)  # not in VPC mode
    error = _refused(
        stack,
        "Endpoints",
        lambda: RuntimeVpcEndpoints(stack, "Endpoints", runtime=runtime, services=["ftp"], extra_services=["gopher"]),
    )
    _assert_names_every_prop(error, "RuntimeVpcEndpoints Test/Endpoints", ["runtime", "services", "extra_services"])


def test_python_arm64_function(tmp_path: Path) -> None:
    stack = new_stack()
    error = _refused(
        stack,
        "Fn",
        lambda: PythonArm64Function(
            stack,
            "Fn",
            code_root=tmp_path / "missing",
            handler="h.main",
            service_name="s",
            description="d",
            reserved_concurrency=0,
            log_encryption_key=_alias(stack),
            function_props={"architecture": None, "no_such_key": 1},
        ),
    )
    _assert_names_every_prop(
        error,
        "PythonArm64Function Test/Fn",
        ["code_root", "reserved_concurrency", "log_encryption_key", "function_props"],
    )
    assert len(error.problems) == 5  # function_props: an unknown key and an owned one


def test_python_arm64_function_checks_the_handler_and_lock_of_its_code_root(tmp_path: Path) -> None:
    (tmp_path / "requirements.lock").write_text("requests>=2\n")
    stack = new_stack()
    error = _refused(
        stack,
        "Fn",
        lambda: PythonArm64Function(
            stack, "Fn", code_root=tmp_path, handler="svc.handler.main", service_name="s", description="d"
        ),
    )
    _assert_names_every_prop(error, "PythonArm64Function Test/Fn", ["handler", "code_root"])
    assert "requirements.lock line 1" in str(error) and "would fail at its first invocation" in str(error)


def test_endpoint_rollback() -> None:
    stack = new_stack()
    runtime = new_runtime(stack)  # endpoint_version 'latest'
    error = _refused(
        stack,
        "Rollback",
        lambda: EndpointRollback(
            stack,
            "Rollback",
            runtime=runtime,
            alarms=[],
            topic=sns.Topic(stack, "Topic"),
            topic_key=_alias(stack),
            window=cdk.Duration.minutes(2),
            check_interval=cdk.Duration.minutes(10),
            log_encryption_key=_alias(stack, "LogAlias"),
        ),
    )
    _assert_names_every_prop(
        error,
        "EndpointRollback Test/Rollback",
        ["runtime", "alarms", "window", "check_interval", "topic_key", "log_encryption_key"],
    )


def test_endpoint_rollback_with_good_props_builds() -> None:
    stack = new_stack()
    metric = cw.Metric(namespace="AWS/Bedrock-AgentCore", metric_name="SystemErrors")
    alarm = metric.create_alarm(stack, "Errors", threshold=1, evaluation_periods=1)
    rollback = EndpointRollback(
        stack, "Rollback", runtime=new_runtime(stack, endpoint_version="2"), alarms=[alarm], topic=sns.Topic(stack, "T")
    )
    assert rollback.function.function is not None


def test_tool_policy(tmp_path: Path) -> None:
    permit = 'permit (principal, action, resource == AgentCore::Gateway::"{{gateway_arn}}");'
    (tmp_path / "two.cedar").write_text(permit + "\n" + permit.replace("permit", "forbid"))
    (tmp_path / "odd.cedar").write_text(permit.replace("{{gateway_arn}}", "{{gateway}}"))
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    error = _refused(
        stack,
        "Policy",
        lambda: ToolPolicy(
            stack,
            "Policy",
            gateway=gateway,
            policy_dir=tmp_path,
            mode="AUDIT",
            variables={"gateway_arn": "x"},
            engine_name="9bad",
        ),
    )
    _assert_names_every_prop(error, "ToolPolicy Test/Policy", ["mode", "variables", "engine_name", "policy_dir"])
    assert "holds 2 permit/forbid statements" in str(error) and r"unknown placeholder {{gateway}}" in str(error)


def test_tool_policy_validation_at_synth_speaks_the_convention(tmp_path: Path) -> None:
    (tmp_path / "unknown_tool.cedar").write_text(
        'permit (principal, action == AgentCore::Action::"nope___tool", '
        'resource == AgentCore::Gateway::"{{gateway_arn}}");'
    )
    stack = new_stack()
    gateway = ToolGateway(stack, "Tools", gateway_name="t-tools")
    ToolPolicy(stack, "Policy", gateway=gateway, policy_dir=tmp_path)
    lines = stack.node.find_child("Policy").node.validate()
    assert lines and all(line.startswith("ToolPolicy Test/Policy: policy_dir unknown_tool.cedar: ") for line in lines)


# --- Helpers the constructs use -------------------------------------------------------------------------------------


def test_refuse_alias_keeps_its_signature_and_speaks_the_convention() -> None:
    stack = new_stack()
    with pytest.raises(PropsError) as raised:
        refuse_alias("ToolGateway Test/Gateway", "encryption_key", _alias(stack))
    assert str(raised.value).startswith("ToolGateway Test/Gateway: encryption_key is a KMS alias")


def test_model_access_names_the_parameter_at_fault() -> None:
    stack = new_stack()
    with pytest.raises(ModelAccessError) as raised:
        ModelAccess.for_model(stack, APP_PROFILE, source_model_id="arn:aws:bedrock:us-east-1:111122223333:agent/x")
    # The source is what is wrong, not the profile: the line starts with the caller's name for it.
    assert isinstance(raised.value, ValueError) and raised.value.prop == "source_model_id"
    assert str(raised.value).startswith("source_model_id 'arn:aws:bedrock:us-east-1:111122223333:agent/x' is not a")
    with pytest.raises(ModelAccessError) as raised:
        ModelAccess.for_model(stack, "zz.some.model", source_model_id="x", source_parameter="model_source_id")
    assert str(raised.value).startswith("model_source_id applies to application inference profiles only")
    with pytest.raises(ModelAccessError) as raised:
        ModelAccess.for_model(stack, "arn:aws:bedrock:us-east-1:111122223333:knowledge-base/kb")
    assert raised.value.prop == "model_id" and str(raised.value).startswith("model_id ")


# --- The static check: no bare ValueError for props ------------------------------------------------------------------

PACKAGE = Path(agentcore_constructs.__file__).parent

#: Where a plain ValueError is right: no construct's props are at fault, so there is no ``<Class> <path>`` to name.
#: A key is a module (``a.py``), a subpackage (``a/``) or one function of a module (``a.py::qualname``).
PLAIN_VALUE_ERRORS = {
    "kit/": "the agent-side kit runs in the agent process, not at synth: its errors are about settings and requests",
    "functions/": "Lambda handlers run in AWS on events, not at synth",
    "readiness/": "the rule pack: an aspect and its rule registry (no construct path), and run records read from disk",
    "reference.py::public_names": "the REFERENCE.md renderer: a maintainer's mistake in the export list",
    "acknowledgements.py": "arguments the library's own code passes to the acknowledgement helpers (finding id, "
    "reason), not props a user sets",
    "bundling.py::_VendoredPythonBundler.try_bundle": "runs while the CDK bundles the asset, after every construct "
    "was built: the build machine (no uv/pip) or the lock's content; the message is prefixed with its construct",
    "observability.py::retention_days": "a free function converting days; its caller (the app's config) reports "
    "under its own key",
    "contract/tool_policy.py::read_policy_files": "a folder-level helper local_dev calls too; ToolPolicy records "
    "policy_files() problems instead",
    "contract/tool_policy.py::render_policy": "a text-level helper local_dev calls too; ToolPolicy records "
    "unknown_placeholders() first, so it never raises there",
    "tool_policy.py::_cedar_type": "translates tool schemas LambdaTool already checked, during synth validation",
    "tool_policy.py::gateway_cedar_schema": "its principal argument is the library's own choice, not a prop",
}


def _bare_value_errors(root: Path) -> Iterator[tuple[str, str, int]]:
    """``(module path relative to root, enclosing qualname, line)`` of each ``raise ValueError`` under ``root``."""
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        scopes: list[str] = []

        def visit(node: ast.AST, module: str = module, scopes: list[str] = scopes) -> Iterator[tuple[str, str, int]]:
            named = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            if named:
                scopes.append(node.name)  # type: ignore[attr-defined]
            if isinstance(node, ast.Raise) and node.exc is not None:
                raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if isinstance(raised, ast.Name) and raised.id == "ValueError":
                    yield module, ".".join(scopes), node.lineno
            for child in ast.iter_child_nodes(node):
                yield from visit(child)
            if named:
                scopes.pop()

        yield from visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))


def _allowed_by(module: str, qualname: str, keys: object) -> str | None:
    for key in keys:  # type: ignore[attr-defined]
        where, _, function = key.partition("::")
        if function:
            if module == where and qualname == function:
                return key
        elif module == where or (where.endswith("/") and module.startswith(where)):
            return key
    return None


def test_no_construct_module_raises_a_bare_value_error_for_props() -> None:
    found = list(_bare_value_errors(PACKAGE))
    offenders = [
        f"{module}:{line} ({qualname or 'module'})"
        for module, qualname, line in found
        if _allowed_by(module, qualname, PLAIN_VALUE_ERRORS) is None
    ]
    assert offenders == [], (
        "record props problems in agentcore_constructs.props.Problems and raise them once (PropsError), or add the "
        f"place to PLAIN_VALUE_ERRORS saying why no construct's props are at fault: {offenders}"
    )
    # Every justified exception is still needed, so the list cannot silently outgrow the code.
    used = {_allowed_by(module, qualname, PLAIN_VALUE_ERRORS) for module, qualname, _ in found}
    assert sorted(set(PLAIN_VALUE_ERRORS) - used) == []


def test_the_static_check_finds_bare_value_errors_and_honours_the_lists(tmp_path: Path) -> None:
    (tmp_path / "kit").mkdir()
    (tmp_path / "widget.py").write_text(
        "class Widget:\n"
        "    def __init__(self, size):\n"
        "        if size < 1:\n"
        "            raise ValueError(f'size {size} must be >= 1')\n"
        "        raise PropsError('Widget', [])\n"
        "def helper():\n"
        "    raise ValueError\n"
    )
    (tmp_path / "kit" / "settings.py").write_text("def load():\n    raise ValueError('bad setting')\n")
    found = sorted(_bare_value_errors(tmp_path))
    assert found == [("kit/settings.py", "load", 2), ("widget.py", "Widget.__init__", 4), ("widget.py", "helper", 7)]
    assert _allowed_by("kit/settings.py", "load", PLAIN_VALUE_ERRORS) == "kit/"
    assert _allowed_by("widget.py", "Widget.__init__", PLAIN_VALUE_ERRORS) is None
    assert _allowed_by("tool_policy.py", "ToolPolicy.__init__", PLAIN_VALUE_ERRORS) is None
    assert (
        _allowed_by("contract/tool_policy.py", "render_policy", PLAIN_VALUE_ERRORS)
        == "contract/tool_policy.py::render_policy"
    )
    assert _allowed_by("runtime/props.py", "AgentRuntime.__init__", {"runtime/": "a whole subpackage"}) == "runtime/"
