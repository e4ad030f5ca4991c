"""Local bundling of a Python source folder with its dependencies vendored for linux/arm64.

AgentCore Runtime (direct code deploy) and arm64 Lambda both run manylinux aarch64 wheels. We resolve them on the
build machine with ``--platform manylinux2014_aarch64 --only-binary=:all:`` so no Docker is needed. Unit tests skip
bundling with the ``aws:cdk:bundling-stacks`` context (an empty list).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

#: Never used: local bundling either succeeds or raises. CDK requires an image on BundlingOptions.
_UNUSED_IMAGE = "public.ecr.aws/sam/build-python3.13"
_ALWAYS_EXCLUDED = ("__pycache__", "*.pyc", ".pytest_cache", ".local", "tests", "*.egg-info", "pyproject.toml")


@jsii.implements(cdk.ILocalBundling)
class _VendoredPythonBundler:
    def __init__(
        self,
        *,
        source_dir: Path,
        requirements_file: Path | None,
        python_version: str,
        extra_files: Mapping[str, Path],
    ) -> None:
        self._source_dir = source_dir
        self._requirements_file = requirements_file
        self._python_version = python_version
        self._extra_files = dict(extra_files)

    def try_bundle(self, output_dir: str, *_options: Any, **_kwargs: Any) -> bool:  # jsii passes the options struct
        out = Path(output_dir)
        if self._requirements_file is not None:
            _run(_install_command(self._requirements_file, out, self._python_version))
        shutil.copytree(self._source_dir, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_ALWAYS_EXCLUDED))
        for relative_path, source in self._extra_files.items():
            (out / relative_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / relative_path)
        return True


def _install_command(requirements: Path, out: Path, python_version: str) -> list[str]:
    uv = shutil.which("uv") or _sibling_of_interpreter("uv")
    if uv:
        return [
            uv,
            "pip",
            "install",
            "--quiet",
            "--target",
            str(out),
            "--python-platform",
            "aarch64-manylinux2014",
            "--python-version",
            python_version,
            "--only-binary",
            ":all:",
            "--no-deps",
            "-r",
            str(requirements),
        ]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--target",
        str(out),
        "--platform",
        "manylinux2014_aarch64",
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "--no-deps",
        "-r",
        str(requirements),
    ]


def _sibling_of_interpreter(name: str) -> str | None:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else None


def _run(command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    )
    if result.returncode != 0:
        raise RuntimeError(
            "Vendoring arm64 dependencies failed (needs access to a package index).\n"
            f"command: {' '.join(command)}\n{result.stderr[-4000:]}"
        )


def vendored_python_bundling(
    *,
    source_dir: str | Path,
    requirements_file: str | Path | None,
    python_version: str = "3.13",
    extra_files: Mapping[str, str | Path] | None = None,
) -> cdk.BundlingOptions:
    """BundlingOptions that copy ``source_dir`` and install the fully pinned ``requirements_file`` for arm64.

    ``requirements_file`` must be a complete lock (every transitive dependency pinned): it is installed with
    ``--no-deps`` so the resolution is the reviewed one. ``extra_files`` maps a path inside the bundle to a
    file to copy there (e.g. the pure-Python env-var contract of this library).
    """
    bundler = _VendoredPythonBundler(
        source_dir=Path(source_dir),
        requirements_file=Path(requirements_file) if requirements_file else None,
        python_version=python_version,
        extra_files={k: Path(v) for k, v in (extra_files or {}).items()},
    )
    return cdk.BundlingOptions(image=cdk.DockerImage.from_registry(_UNUSED_IMAGE), local=bundler)


#: The pure-Python subpackages that run inside the agent and the Lambdas (no aws-cdk-lib import).
RUNTIME_SUBPACKAGES = ("contract", "kit")


def contract_package_files() -> dict[str, Path]:
    """The library's pure-Python runtime part -- the contract and the agent kit, with the lazy package root they
    need -- as bundle path -> source file. Shipped into the agent bundle and every Lambda asset, so both sides of
    the contract run the same version."""
    package_root = Path(__file__).parent
    files = {"agentcore_constructs/__init__.py": package_root / "__init__.py"}
    for subpackage in RUNTIME_SUBPACKAGES:
        for module in sorted((package_root / subpackage).glob("*.py")):
            files[f"agentcore_constructs/{subpackage}/{module.name}"] = module
    return files


def source_fingerprint(*paths: str | Path, extra: str = "") -> str:
    """Stable hash of the inputs of a bundle, so an unchanged source re-uses the staged bundle."""
    digest = hashlib.sha256(extra.encode())
    for path in paths:
        digest.update(cdk.FileSystem.fingerprint(str(path), exclude=list(_ALWAYS_EXCLUDED)).encode())
    return digest.hexdigest()
