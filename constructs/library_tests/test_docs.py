"""The library's documents are the code's: the reference is rendered from it, the README example runs as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from agentcore_constructs.reference import public_classes, render, undocumented_parameters
from library_tests.support import FIXTURE_AGENT, FIXTURE_TOOLS, LIBRARY_ROOT


def test_every_keyword_parameter_is_documented() -> None:
    assert {cls.__name__: undocumented_parameters(cls) for cls in public_classes()} == {
        cls.__name__: [] for cls in public_classes()
    }


def test_the_reference_is_current() -> None:
    assert (LIBRARY_ROOT / "REFERENCE.md").read_text() == render(), "run `make reference`"


def test_the_reference_lists_every_public_export() -> None:
    import agentcore_constructs

    headings = set(re.findall(r"^## `(\w+)`$", (LIBRARY_ROOT / "REFERENCE.md").read_text(), re.MULTILINE))
    assert sorted(set(agentcore_constructs.__all__) - headings) == []
    assert "ProductionReadinessChecks" in headings


def test_the_wheel_and_the_sdist_ship_the_reference_and_the_changelog(tmp_path: Path) -> None:
    """Built as a team builds it (uv build: the sdist, then the wheel from the sdist), from a copy of the sources."""
    source = tmp_path / "source"
    ignored = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", "library_tests", ".pytest_cache")
    shutil.copytree(LIBRARY_ROOT, source, ignore=ignored)
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    dist = tmp_path / "dist"
    result = subprocess.run(
        [uv, "build", "--quiet", str(source), "--out-dir", str(dist)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    (wheel,) = dist.glob("agentcore_constructs-*.whl")
    (sdist,) = dist.glob("agentcore_constructs-*.tar.gz")
    with zipfile.ZipFile(wheel) as packaged:
        for name in ("REFERENCE.md", "CHANGELOG.md"):
            assert packaged.read(f"agentcore_constructs/{name}") == (LIBRARY_ROOT / name).read_bytes(), name
    with tarfile.open(sdist) as archive:
        root = sdist.name.removesuffix(".tar.gz")
        assert {f"{root}/REFERENCE.md", f"{root}/CHANGELOG.md"} <= set(archive.getnames())


def _readme_app() -> str:
    readme = (LIBRARY_ROOT / "README.md").read_text()
    section = readme.split("## Every stage in one app", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]


@pytest.mark.xdist_group("synth")
def test_the_readme_example_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_AGENT, tmp_path / "agent")
    shutil.copytree(FIXTURE_TOOLS, tmp_path / "tools")
    shutil.copytree(FIXTURE_TOOLS.parent / "policies", tmp_path / "policies")
    (tmp_path / "app.py").write_text(_readme_app())
    env = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        # Bundling (vendoring ADOT's wheels) is tested on its own; here the app's wiring and its gate.
        "CDK_CONTEXT_JSON": json.dumps({"aws:cdk:bundling-stacks": []}),
    }
    result = subprocess.run([sys.executable, "app.py"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((tmp_path / "cdk.out" / "manifest.json").read_text())
    assert {"TeamAgent", "TeamAgentData"} <= set(manifest["artifacts"])


def test_the_changelog_has_the_current_version() -> None:
    import agentcore_constructs
    from agentcore_constructs.contract import CONTRACT_VERSION

    changelog = (LIBRARY_ROOT / "CHANGELOG.md").read_text()
    section = changelog.split(f"\n## {agentcore_constructs.__version__}\n", 1)
    assert len(section) == 2, f"CHANGELOG.md has no section for {agentcore_constructs.__version__}"
    assert f"Contract version: {CONTRACT_VERSION}" in section[1].split("\n## ", 1)[0]
