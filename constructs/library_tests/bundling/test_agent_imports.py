"""An agent that imports a package its lock does not install fails synth (or bundling), naming the import."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore_constructs.bundling import contract_package_files
from agentcore_constructs.imports import required_imports, unlocked_imports, unresolved_imports
from library_tests.support import new_runtime, new_stack


def _agent(tmp_path: Path, files: dict[str, str], lock: str = "") -> Path:
    source = tmp_path / "agent"
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    (source / "requirements.lock").write_text(lock)
    return source


def test_optional_and_type_checking_imports_are_not_required_and_unreached_files_do_not_count(tmp_path) -> None:
    source = _agent(
        tmp_path,
        {
            "main.py": "import json\nfrom helpers.util import go\ntry:\n    import ujson\nexcept ImportError:\n"
            "    ujson = None\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mypy_boto3_s3\n",
            "helpers/__init__.py": "",
            "helpers/util.py": "import yaml\nfrom . import other\n",
            "helpers/other.py": "import requests\n",
            "other_flavour.py": "import langgraph\n",
        },
    )
    modules = [site.module for site in required_imports(source, "main.py")]
    assert modules == ["helpers", "json", "requests", "typing", "yaml"]
    assert "langgraph" in [site.module for site in required_imports(source)]  # no entry: every file


def test_an_import_the_lock_lacks_fails_synth_naming_the_file_line_and_distribution(tmp_path) -> None:
    # pydantic is installed where the CDK app runs, so its distribution is known: the lock must pin it.
    source = _agent(
        tmp_path, {"main.py": '"""Agent."""\n\nimport pydantic\n'}, lock="aws-opentelemetry-distro==0.21.0\n"
    )
    assert unlocked_imports(source, {"aws-opentelemetry-distro"}, entry="main.py") == [
        "pydantic (main.py line 3): pydantic is not in the lock"
    ]
    with pytest.raises(ValueError, match=r"pydantic \(main.py line 3\): pydantic is not in the lock"):
        new_runtime(new_stack(), source_dir=source)
    # Pinned: fine.
    assert unlocked_imports(source, {"pydantic"}, entry="main.py") == []


def test_the_kits_own_imports_count_when_the_kit_is_shipped(tmp_path) -> None:
    """The kit is copied into the bundle: what it imports (strands for the Strands app) must be in the lock too."""
    source = _agent(tmp_path, {"main.py": "from agentcore_constructs.kit.strands import AgentCoreApp\n"})
    problems = unlocked_imports(source, set(), entry="main.py", shipped=contract_package_files())
    assert any(p.startswith("strands (agentcore_constructs/kit/strands.py line") for p in problems), problems
    assert not any("aws_cdk" in p for p in problems)  # the CDK side of the library is not shipped


def test_what_the_built_bundle_lacks_is_named(tmp_path) -> None:
    source = _agent(tmp_path, {"main.py": "import made_up_package\nimport local_mod\n", "local_mod.py": ""})
    bundle = tmp_path / "bundle"
    (bundle / "local_mod.py").parent.mkdir(parents=True)
    (bundle / "local_mod.py").write_text("")
    assert unresolved_imports(bundle, source, "main.py") == ["made_up_package (main.py line 1)"]
    (bundle / "made_up_package").mkdir()
    assert unresolved_imports(bundle, source, "main.py") == []


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("echo_tool.handlers.lambda_handler", r"no module echo_tool.handlers \(echo_tool/handlers.py\)"),
        ("echo_tool.handler.handle", "echo_tool.handler defines no handle at module level"),
        ("lambda_handler", "must be <module path>.<function>"),
    ],
)
def test_a_tool_handler_that_is_not_in_the_code_fails_synth(handler: str, message: str) -> None:
    from agentcore_constructs import LambdaTool, ToolFunction
    from library_tests.support import FIXTURE_TOOLS

    tool = {"name": "echo", "description": "Echo", "inputSchema": {"type": "object", "properties": {}}}
    with pytest.raises(ValueError, match=message):
        LambdaTool(
            new_stack(),
            "Echo",
            target_name="echo",
            tools=[tool],
            function=ToolFunction(code_root=FIXTURE_TOOLS, handler=handler),
        )


def test_handler_forms_lambda_can_load_are_accepted(tmp_path) -> None:
    from agentcore_constructs.imports import handler_problem

    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "__init__.py").write_text("")
    (tmp_path / "svc" / "handler.py").write_text(
        "from svc.impl import run as imported\nassigned = lambda e, c: e\nasync def coroutine(e, c): ...\n"
    )
    for name in ("imported", "assigned", "coroutine"):
        assert handler_problem(tmp_path, f"svc.handler.{name}") is None
