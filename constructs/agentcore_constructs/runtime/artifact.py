"""What the runtime runs: the code zip (source + vendored arm64 wheels, optionally bytecode) or the arm64 image.

A CODE artifact is planned first (:func:`plan_code`: the lock read, the entrypoint and the agent's imports checked
against it, the bytecode interpreter found), recording every problem before any resource exists; then built
(:func:`build_code`, :func:`build_image`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_bedrockagentcore as agentcore
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets

from agentcore_constructs.aws_facts import ADOT_DISTRIBUTION, ADOT_LAUNCHER
from agentcore_constructs.bundling import (
    BYTECODE_PYTHON_ENV,
    LockEntry,
    LockFileError,
    bytecode_interpreter,
    read_lock,
    runtime_package_files,
    source_fingerprint,
    vendored_python_bundling,
)
from agentcore_constructs.contract import CONTRACT_VERSION
from agentcore_constructs.contract.consumers import MANIFEST_FILE
from agentcore_constructs.imports import unlocked_imports
from agentcore_constructs.props import Problems
from agentcore_constructs.runtime import permissions
from agentcore_constructs.runtime.options import CodeArtifact, python_version

if TYPE_CHECKING:
    from agentcore_constructs.runtime.construct import AgentRuntime


@dataclass(frozen=True)
class CodePlan:
    """A CODE artifact whose props all checked out: what :func:`build_code` stages."""

    code: CodeArtifact
    source_path: Path
    entry: list[str]
    python_version: str
    requirements: Path | None
    #: The library files copied into the bundle (the code imports them and the lock does not pin the library).
    contract_files: dict[str, Path]
    #: The script the entrypoint runs, whose imports bundling checks against the installed wheels.
    script: str | None
    #: The interpreter that compiles the bundle's bytecode (None: sources only).
    bytecode_python: str | None


def plan_code(
    scope: AgentRuntime, problems: Problems, source_path: Path, code: CodeArtifact, adot_instrumentation: bool
) -> CodePlan | None:
    """Check what the zip is built from, recording each problem under ``artifact.<prop>``; None when one was found.
    Expects ``source_dir`` and ``requirements_file`` to exist and ``code.problems()`` to be empty."""
    version = python_version(code.python_runtime)
    assert version is not None  # CodeArtifact.problems() refused it otherwise
    entry = (
        list(code.entrypoint)
        if code.entrypoint
        else ([ADOT_LAUNCHER, "main.py"] if adot_instrumentation else ["main.py"])
    )
    requirements = source_path / code.requirements_file if code.requirements_file else None
    lock: dict[str, LockEntry] | None = None
    if requirements is not None:
        try:
            lock = read_lock(requirements)
        except LockFileError as error:
            problems.add("artifact.requirements_file", str(error))
            return None
    if not _entrypoint_runs(problems, source_path, entry, lock, code.requirements_file):
        return None
    contract_files = runtime_package_files(source_path, lock)
    script = next((part for part in reversed(entry) if part.endswith(".py")), None)
    unlocked = unlocked_imports(source_path, set(lock or {}), entry=script, shipped=contract_files)
    if unlocked:
        where = f"{code.requirements_file!r}" if code.requirements_file else "None (nothing is installed)"
        problems.add(
            "artifact.requirements_file",
            f"{where} does not install packages the agent imports, so it would fail at its first start "
            f"(ModuleNotFoundError): {'; '.join(unlocked)}. Add them to the lock's requirements and re-lock it",
        )
        return None
    return CodePlan(
        code=code,
        source_path=source_path,
        entry=entry,
        python_version=version,
        requirements=requirements,
        contract_files=contract_files,
        script=script,
        bytecode_python=_bytecode_python(scope, problems, version, code.compile_bytecode),
    )


def _entrypoint_runs(
    problems: Problems,
    source_path: Path,
    entry: Sequence[str],
    lock: dict[str, LockEntry] | None,
    requirements_file: str | None,
) -> bool:
    missing = [part for part in entry if part.endswith(".py") and not (source_path / part).is_file()]
    if missing:
        problems.add(
            "artifact.entrypoint",
            f"{list(entry)} runs {missing[0]!r}, which is not in source_dir {str(source_path)!r}: the runtime would "
            "fail to start. Add the file or pass CodeArtifact(entrypoint=)",
        )
        return False
    if entry and entry[0] == ADOT_LAUNCHER and (lock is None or ADOT_DISTRIBUTION not in lock):
        not_installed = (
            f"requirements_file {requirements_file!r} does not install {ADOT_DISTRIBUTION}"
            if requirements_file
            else f"there is no requirements_file to install {ADOT_DISTRIBUTION}"
        )
        problems.add(
            "artifact.entrypoint",
            f"{list(entry)} runs under {ADOT_LAUNCHER} (ADOT auto-instrumentation) but {not_installed}: the runtime "
            "would fail to start. Pin it in the lock, or pass adot_instrumentation=False (the agent then emits no "
            "spans of its own)",
        )
        return False
    return True


def _bytecode_python(
    scope: AgentRuntime, problems: Problems, version: str, compile_bytecode: bool | None
) -> str | None:
    if compile_bytecode is False or not cdk.Stack.of(scope).bundling_required:
        return None
    interpreter = bytecode_interpreter(version)
    if interpreter is None:
        advice = (
            f"no Python {version} on this machine to compile the bundle's bytecode with, so every session start "
            f"compiles every import. Install one (uv python install {version}) or point {BYTECODE_PYTHON_ENV} at one"
        )
        if compile_bytecode:
            problems.add("artifact.compile_bytecode", f"is True but {advice}")
        else:
            cdk.Annotations.of(scope).add_warning_v2("agentcore-constructs:bytecode", advice)
    return interpreter


def build_code(runtime: AgentRuntime, plan: CodePlan) -> agentcore.AgentRuntimeArtifact:
    """The zip as an S3 asset (content-hashed: source, library files, Python version, bytecode or not), readable by
    the execution role alone."""
    manifest = {"contract_version": CONTRACT_VERSION, "consumes": runtime.consumes}
    runtime.ships_runtime_package = bool(plan.contract_files)
    runtime.bytecode_python = plan.bytecode_python
    source_path = plan.source_path
    runtime.code_asset = asset = s3_assets.Asset(
        runtime,
        "Code",
        path=str(source_path),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=source_fingerprint(
            source_path,
            *plan.contract_files.values(),
            extra=f"arm64-py{plan.python_version}" + ("-pyc" if plan.bytecode_python else ""),
        ),
        bundling=vendored_python_bundling(
            source_dir=source_path,
            requirements_file=plan.requirements,
            python_version=plan.python_version,
            extra_files=plan.contract_files,
            owner=f"AgentRuntime {runtime.node.path}",
            extra_content={MANIFEST_FILE: json.dumps(manifest, indent=2) + "\n"},
            bytecode_python=plan.bytecode_python,
            check_imports_of=plan.script,
        ),
    )
    permissions.grant_code_read(runtime.policy, asset)
    return agentcore.AgentRuntimeArtifact.from_s3(
        s3.Location(bucket_name=asset.s3_bucket_name, object_key=asset.s3_object_key),
        plan.code.python_runtime,
        plan.entry,
    )


def build_image(runtime: AgentRuntime, source_path: Path) -> agentcore.AgentRuntimeArtifact:
    """The image, always linux/arm64; staged here (not by the L2) so the pull grant lands on the runtime's role,
    scoped to the asset repository."""
    runtime.image_asset = ecr_assets.DockerImageAsset(
        runtime, "Image", directory=str(source_path), platform=ecr_assets.Platform.LINUX_ARM64
    )
    runtime.runtime_dependency_policies.append(
        permissions.grant_image_pull(runtime, runtime.role, runtime.policy, runtime.image_asset.repository)
    )
    # The tag is the image's content hash: immutable for a given build.
    return agentcore.AgentRuntimeArtifact.from_ecr_repository(
        runtime.image_asset.repository, runtime.image_asset.image_tag
    )
