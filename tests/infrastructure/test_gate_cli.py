"""The gate bites through the CDK CLI, the way `make synth` and `cdk deploy "<env>/*"` run the app.

The CLI alone fails only on findings of the stacks it selected; the app's own gate (readiness/gate.py) makes every
synthesizing command fail on any error-level finding. Each case runs the pinned CLI on the real app.py with a
cdk.json of its own; ``--exclusively "<env>/Stateful"`` selects a stack without bundled assets, so no wheels are
vendored (the app still synthesizes and validates every stack of every environment).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"
pytestmark = [
    pytest.mark.skipif(not CDK_CLI.exists(), reason="the pinned CDK CLI is not installed (make install)"),
    # Not the synth group: these run in their own processes, in parallel with the in-process synth tests.
    pytest.mark.xdist_group("cli"),
]


def run_cli(tmp_path: Path, environments: dict, *args: str) -> subprocess.CompletedProcess[str]:
    config = json.loads((REPO_ROOT / "cdk.json").read_text())
    config["context"]["environments"] = environments
    config["app"] = f"{sys.executable} {REPO_ROOT / 'app.py'}"
    (tmp_path / "cdk.json").write_text(json.dumps(config))
    env = {**os.environ, "CDK_DEFAULT_ACCOUNT": "123456789012", "CDK_DEFAULT_REGION": "us-east-1", "CI": "true"}
    env["PATH"] = f"{CDK_CLI.parent}{os.pathsep}{env.get('PATH', '')}"
    first_env = next(iter(environments))
    command = [str(CDK_CLI), "synth", "--quiet", "--no-notices", "-o", str(tmp_path / "cdk.out"), *args]
    command += ["--exclusively", f"{first_env}/Stateful"]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def shipped_environments() -> dict:
    return json.loads((REPO_ROOT / "cdk.json").read_text())["context"]["environments"]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """Both CLI runs, started together so their cold Node and Python starts and synths overlap; each test waits for
    its own."""
    dev = {**shipped_environments()["dev"], "readiness": "error"}
    configs = {"error-level": {"dev": dev}, "shipped": shipped_environments()}
    with ThreadPoolExecutor(max_workers=len(configs)) as pool:
        yield {name: pool.submit(run_cli, tmp_path_factory.mktemp(name), config) for name, config in configs.items()}


def test_an_error_level_readiness_finding_fails_the_cli_synth(cli_runs) -> None:
    result = cli_runs["error-level"].result()
    assert result.returncode != 0
    output = result.stdout + result.stderr
    failures = [line for line in output.splitlines() if line.strip().startswith("✗ [ProductionReadinessChecks]")]
    assert f"Synth gate: {len(failures)} error-level finding(s)" in output
    for finding in (
        "Readiness-Memory[Missing]",
        "Readiness-Tools[Gateway::Missing]",
        "Readiness-Identity",
        "Readiness-EndpointVersion",
    ):
        assert finding in output
    assert "at dev/Runtime/Agent/Runtime/Resource" in output


def test_the_shipped_config_passes_the_cli_synth(cli_runs) -> None:
    result = cli_runs["shipped"].result()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Synth gate" not in result.stderr
    assert shutil.which("cdk", path=str(CDK_CLI.parent))
