"""What a bundle gets is checked at synth: locks are locks, the entrypoint exists, ADOT is there when it runs, the
bundle carries every dependency of what it installs, no foreign bytecode, and the library's own files only when the
code imports the library (never over a version the lock pins)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import aws_cdk as cdk
import pytest

from agentcore_constructs import AgentRuntime, CodeArtifact
from agentcore_constructs.bundling import (
    BYTECODE_PYTHON_ENV,
    LockFileError,
    _VendoredPythonBundler,
    bytecode_interpreter,
    contract_package_files,
    read_lock,
    runtime_package_files,
    unmet_requirements,
)
from library_tests.support import FIXTURE_AGENT, FIXTURE_WRAPPED_POC, new_stack

MODEL = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def _agent(tmp_path: Path, lock: str | None = "aws-opentelemetry-distro==0.21.0\n", main: str = "print(1)\n") -> Path:
    source = tmp_path / "agent"
    source.mkdir()
    (source / "main.py").write_text(main)
    if lock is not None:
        (source / "requirements.lock").write_text(lock)
    return source


def test_a_lock_with_hashes_and_comments_reads_as_pinned_names(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(
        "# generated\n"
        "Foo_Bar==1.2.3 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n    # via x\n"
        "baz===2.0 ; python_version >= '3.11'\n"
        "qux @ https://example.com/qux-1.0-py3-none-any.whl\n"
        "--index-url https://pypi.org/simple\n"
    )
    entries = read_lock(lock)
    assert {n: e.version for n, e in entries.items()} == {"foo-bar": "1.2.3", "baz": "2.0", "qux": None}
    assert entries["foo-bar"].line == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("boto3>=1.34", "line 2: 'boto3>=1.34' is not pinned to one version"),
        ("boto3", "line 2: 'boto3' is not pinned"),
        ("boto3==1.*", "line 2: 'boto3==1.\\*' is not pinned"),
        ("-r requirements.in", "line 2: -r is not supported in a lock"),
        ("-e ./local", "line 2: -e is not supported"),
    ],
)
def test_what_is_not_a_lock_is_refused_naming_the_line(tmp_path: Path, line: str, message: str) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"requests==2.32.3\n{line}\n")
    with pytest.raises(LockFileError, match=message):
        read_lock(lock)


def test_an_unpinned_agent_lock_fails_synth_naming_the_construct(tmp_path: Path) -> None:
    source = _agent(tmp_path, lock="aws-opentelemetry-distro==0.21.0\nstrands-agents\n")
    with pytest.raises(
        ValueError, match=r"AgentRuntime Test/Agent: artifact.requirements_file .*line 2: 'strands-agents'"
    ):
        AgentRuntime(new_stack(), "Agent", runtime_name="a", source_dir=source, model_id=MODEL)


def test_a_missing_entrypoint_file_fails_synth(tmp_path: Path) -> None:
    source = _agent(tmp_path)
    with pytest.raises(
        ValueError, match=r"Test/Agent: artifact.entrypoint \['opentelemetry-instrument', 'app.py'\] runs 'app.py'"
    ):
        AgentRuntime(
            new_stack(),
            "Agent",
            runtime_name="a",
            source_dir=source,
            model_id=MODEL,
            artifact=CodeArtifact(entrypoint=["opentelemetry-instrument", "app.py"]),
        )


@pytest.mark.parametrize(
    ("lock", "says"),
    [
        ("requests==2.32.3\n", "but requirements_file 'requirements.lock' does not install aws-opentelemetry-distro:"),
        (None, "but there is no requirements_file to install aws-opentelemetry-distro:"),
    ],
)
def test_the_adot_entrypoint_without_adot_in_the_lock_fails_synth(tmp_path: Path, lock: str | None, says: str) -> None:
    source = _agent(tmp_path, lock=lock)
    with pytest.raises(ValueError, match=f"runs under opentelemetry-instrument .* {re.escape(says)}"):
        AgentRuntime(
            new_stack(),
            "Agent",
            runtime_name="a",
            source_dir=source,
            model_id=MODEL,
            artifact=CodeArtifact(requirements_file="requirements.lock" if lock else None),
        )
    # Without ADOT the same agent is fine.
    AgentRuntime(
        new_stack(),
        "Agent",
        runtime_name="a",
        source_dir=source,
        model_id=MODEL,
        adot_instrumentation=False,
        artifact=CodeArtifact(requirements_file="requirements.lock" if lock else None),
    )


def _dist_info(site: Path, name: str, *requires: str) -> None:
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    headers = ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("\n".join(headers) + "\n\nRequires-Dist: not-a-header\n")


def test_unmet_requirements_evaluate_markers_for_linux_arm64_and_the_target_python(tmp_path: Path) -> None:
    _dist_info(
        tmp_path,
        "Agent-Lib",
        "helper>=1",
        "windows-only; sys_platform == 'win32'",
        "old-python-backport; python_version < '3.12'",
        "extra-only; extra == 'speed'",
        "arm-only; platform_machine == 'aarch64'",
        "present_dist",
    )
    _dist_info(tmp_path, "present-dist")
    assert unmet_requirements(tmp_path, "3.13") == [
        "arm-only (required by agent-lib)",
        "helper>=1 (required by agent-lib)",
    ]
    assert "old-python-backport (required by agent-lib)" in unmet_requirements(tmp_path, "3.11")


def _wheel(directory: Path, name: str, *requires: str) -> None:
    module = name.replace("-", "_")
    info = f"{module}-1.0.dist-info"
    metadata = "\n".join(
        ["Metadata-Version: 2.1", f"Name: {name}", "Version: 1.0", *(f"Requires-Dist: {r}" for r in requires)]
    )
    files = {
        f"{module}/__init__.py": "VALUE = 1\n",
        f"{info}/METADATA": metadata + "\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(directory / f"{module}-1.0-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of wheels as the only package source (uv and pip read these variables): no network."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels, "fixture-app", "fixture-dep>=1")
    _wheel(wheels, "fixture-dep")
    for name, value in {
        "UV_NO_INDEX": "1",
        "UV_FIND_LINKS": str(wheels),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
    }.items():
        monkeypatch.setenv(name, value)
    return wheels


def _bundle(source: Path, lock: Path, out: Path) -> None:
    bundler = _VendoredPythonBundler(source_dir=source, requirements_file=lock, python_version="3.13", extra_files={})
    bundler.try_bundle(str(out))


def test_bundling_fails_naming_what_an_incomplete_lock_lacks(tmp_path: Path, local_index: Path) -> None:
    source = _agent(tmp_path, lock="fixture-app==1.0\n")
    with pytest.raises(ValueError, match=r"not a complete lock.*fixture-dep>=1 \(required by fixture-app\)"):
        _bundle(source, source / "requirements.lock", tmp_path / "out")


def test_a_complete_lock_bundles_without_foreign_bytecode(tmp_path: Path, local_index: Path) -> None:
    source = _agent(tmp_path, lock="fixture-app==1.0\nfixture-dep==1.0\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "main.cpython-311.pyc").write_bytes(b"\0")
    out = tmp_path / "out"
    out.mkdir()
    _bundle(source, source / "requirements.lock", out)
    assert (out / "main.py").is_file() and (out / "fixture_app" / "__init__.py").is_file()
    assert (out / "fixture_dep" / "__init__.py").is_file()
    assert not list(out.rglob("__pycache__")) and not list(out.rglob("*.pyc"))


def test_the_library_is_copied_in_only_when_imported_and_not_pinned(tmp_path: Path) -> None:
    plain = _agent(tmp_path)
    assert runtime_package_files(plain, None) == {}
    (plain / "uses_kit.py").write_text("from agentcore_constructs.kit import auth\n")
    assert runtime_package_files(plain, None) == contract_package_files()
    (plain / "requirements.lock").write_text("agentcore-constructs==0.2.0\n")
    assert runtime_package_files(plain, read_lock(plain / "requirements.lock")) == {}
    agent = AgentRuntime(new_stack(), "Agent", runtime_name="a", source_dir=FIXTURE_AGENT, model_id=MODEL)
    assert agent.ships_runtime_package is True  # the fixture agent is built on the kit
    poc = AgentRuntime(new_stack(), "Poc", runtime_name="p", source_dir=FIXTURE_WRAPPED_POC, model_id=MODEL)
    assert poc.ships_runtime_package is False


def test_without_uv_a_bundle_is_vendored_with_pip_for_linux_arm64(
    tmp_path: Path, local_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fallback a team without uv gets: the interpreter's pip, with the same target platform and --no-deps."""
    from agentcore_constructs import bundling

    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    with_pip = tmp_path / "venv-with-pip"  # this suite's venv has no pip (uv sync); a seeded one has
    index_env = {k: v for k, v in os.environ.items() if k not in ("UV_NO_INDEX", "UV_FIND_LINKS", "UV_CACHE_DIR")}
    subprocess.run([uv, "venv", "--quiet", "--seed", str(with_pip)], check=True, capture_output=True, env=index_env)
    monkeypatch.setattr(bundling.shutil, "which", lambda _name: None)
    monkeypatch.setattr(bundling, "_sibling_of_interpreter", lambda _name: None)
    monkeypatch.setattr(bundling.sys, "executable", str(with_pip / "bin" / "python"))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(  # the running interpreter's pip is what the fallback asks for
        bundling.importlib.util, "find_spec", lambda name, *a: object() if name == "pip" else real_find_spec(name, *a)
    )
    source = _agent(tmp_path, lock="fixture-app==1.0\nfixture-dep==1.0\n")
    out = tmp_path / "out"
    out.mkdir()
    command = bundling._install_command(source / "requirements.lock", out, "3.13")
    assert command is not None and command[1:4] == ["-m", "pip", "install"]
    assert {"--platform", "manylinux2014_aarch64", "--no-deps", "--only-binary=:all:"} <= set(command)
    _bundle(source, source / "requirements.lock", out)
    assert (out / "fixture_app" / "__init__.py").is_file() and (out / "fixture_dep" / "__init__.py").is_file()
    (tmp_path / "incomplete").mkdir()
    incomplete = _agent(tmp_path / "incomplete", lock="fixture-app==1.0\n")
    with pytest.raises(ValueError, match=r"not a complete lock.*fixture-dep>=1 \(required by fixture-app\)"):
        _bundle(incomplete, incomplete / "requirements.lock", tmp_path / "incomplete" / "out")


def test_bundling_without_uv_or_pip_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from agentcore_constructs import bundling

    source = _agent(tmp_path, lock="fixture-app==1.0\n")
    monkeypatch.setattr(bundling.shutil, "which", lambda _name: None)
    monkeypatch.setattr(bundling, "_sibling_of_interpreter", lambda _name: None)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        bundling.importlib.util, "find_spec", lambda name, *a: None if name == "pip" else real_find_spec(name, *a)
    )
    bundler = _VendoredPythonBundler(
        source_dir=source,
        requirements_file=source / "requirements.lock",
        python_version="3.13",
        extra_files={},
        owner="AgentRuntime App/Agent",
    )
    with pytest.raises(ValueError, match=r"AgentRuntime App/Agent: vendoring requirements.lock needs uv .* or pip"):
        bundler.try_bundle(str(tmp_path / "out"))


def _running_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def test_bytecode_is_compiled_for_the_target_interpreter_as_unchecked_hash_pycs(tmp_path: Path, local_index) -> None:
    source = _agent(tmp_path, lock="fixture-app==1.0\nfixture-dep==1.0\n")
    (source / "broken.py").write_text("print 'python 2'\n")  # stays source-only, as before
    out = tmp_path / "out"
    out.mkdir()
    bundler = _VendoredPythonBundler(
        source_dir=source,
        requirements_file=source / "requirements.lock",
        python_version=_running_version(),
        extra_files={},
        bytecode_python=sys.executable,
    )
    bundler.try_bundle(str(out))
    tag = sys.implementation.cache_tag
    for module in (out / "main.py", out / "fixture_app" / "__init__.py", out / "fixture_dep" / "__init__.py"):
        pyc = module.parent / "__pycache__" / f"{module.stem}.{tag}.pyc"
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER
        # PEP 552 flags: bit 0 hash-based, bit 1 check_source. 0b01: trusted as is, no source timestamp compared.
        assert int.from_bytes(header[4:8], "little") == 0b01
    assert not (out / "__pycache__" / f"broken.{tag}.pyc").exists()


def test_the_interpreter_must_be_exactly_the_target_version(monkeypatch: pytest.MonkeyPatch) -> None:
    bytecode_interpreter.cache_clear()
    monkeypatch.delenv(BYTECODE_PYTHON_ENV, raising=False)
    try:
        assert bytecode_interpreter(_running_version()) is not None
        assert bytecode_interpreter("2.7") is None
        monkeypatch.setenv(BYTECODE_PYTHON_ENV, sys.executable)
        bytecode_interpreter.cache_clear()
        assert bytecode_interpreter(_running_version()) == sys.executable
    finally:
        bytecode_interpreter.cache_clear()


def _bundling_stack() -> cdk.Stack:
    # Bundling on for this stack only (the runtime's choice is made at construct time, before any bundle is built).
    return new_stack(context={"aws:cdk:bundling-stacks": ["**"]})


def test_the_runtime_compiles_when_it_can_and_says_how_when_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aws_cdk import aws_bedrockagentcore as agentcore
    from aws_cdk.assertions import Annotations, Match

    from agentcore_constructs.runtime import artifact as runtime_module

    source = _agent(tmp_path, lock=None)  # nothing to vendor: the bundle is the source, built right here
    props = {"runtime_name": "a", "source_dir": source, "model_id": MODEL, "adot_instrumentation": False}
    running = getattr(agentcore.AgentCoreRuntime, f"PYTHON_{sys.version_info.major}_{sys.version_info.minor}")

    monkeypatch.setattr(runtime_module, "bytecode_interpreter", lambda version: None)
    stack = _bundling_stack()
    agent = AgentRuntime(stack, "Agent", **props, artifact=CodeArtifact(requirements_file=None))
    assert agent.bytecode_python is None
    Annotations.from_stack(stack).has_warning("/Test/Agent", Match.string_like_regexp("no Python 3.13 on this machine"))
    with pytest.raises(ValueError, match="artifact.compile_bytecode is True but no Python 3.13"):
        AgentRuntime(
            _bundling_stack(), "Agent", **props, artifact=CodeArtifact(requirements_file=None, compile_bytecode=True)
        )

    monkeypatch.setattr(
        runtime_module, "bytecode_interpreter", lambda v: sys.executable if v == _running_version() else None
    )
    stack = _bundling_stack()
    compiled = AgentRuntime(
        stack, "Agent", **props, artifact=CodeArtifact(requirements_file=None, python_runtime=running)
    )
    assert compiled.bytecode_python == sys.executable
    bundle = Path(cdk.App.of(stack).outdir) / compiled.code_asset.asset_path  # type: ignore[union-attr, attr-defined]
    assert (bundle / "__pycache__" / f"main.{sys.implementation.cache_tag}.pyc").is_file()

    sources_only = AgentRuntime(
        _bundling_stack(),
        "Agent",
        **props,
        artifact=CodeArtifact(requirements_file=None, python_runtime=running, compile_bytecode=False),
    )
    assert sources_only.bytecode_python is None
    # Sources-only and compiled bundles are different assets (never one hash for two contents).
    assert compiled.code_asset.asset_hash != sources_only.code_asset.asset_hash  # type: ignore[union-attr]
