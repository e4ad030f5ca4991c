"""Local bundling of a Python source folder with its dependencies vendored for linux/arm64.

AgentCore Runtime (direct code deploy) and arm64 Lambda both run manylinux aarch64 wheels. We resolve them on the
build machine with ``--platform manylinux2014_aarch64 --only-binary=:all:`` so no Docker is needed. Unit tests skip
bundling with the ``aws:cdk:bundling-stacks`` context (an empty list).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from agentcore_constructs.imports import unresolved_imports

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
        owner: str = "",
        extra_content: Mapping[str, str] | None = None,
        bytecode_python: str | None = None,
        check_imports_of: str | None = None,
    ) -> None:
        self._owner = f"{owner}: " if owner else ""
        self._check_imports_of = check_imports_of
        self._bytecode_python = bytecode_python
        self._extra_content = dict(extra_content or {})
        self._source_dir = source_dir
        self._requirements_file = requirements_file
        self._python_version = python_version
        self._extra_files = dict(extra_files)

    def try_bundle(self, output_dir: str, *_options: Any, **_kwargs: Any) -> bool:  # jsii passes the options struct
        out = Path(output_dir)
        if self._requirements_file is not None:
            command = _install_command(self._requirements_file, out, self._python_version)
            if command is None:
                raise ValueError(
                    f"{self._owner}vendoring {self._requirements_file.name} needs uv (on PATH or next to the "
                    f"interpreter) or pip in the Python that runs the CDK app ({sys.executable}); install one of them "
                    "(pip install uv), or skip bundling for this synth (context aws:cdk:bundling-stacks=[])"
                )
            _run(command)
            unmet = unmet_requirements(out, self._python_version)
            if unmet:
                raise ValueError(
                    f"{self._owner}{self._requirements_file} is not a complete lock: it is installed without "
                    "dependency resolution (--no-deps, so the reviewed resolution is the deployed one), and these "
                    f"dependencies of its packages are missing, so the bundle would fail at import time: "
                    f"{'; '.join(unmet)}. Generate the lock with its dependencies for the target platform, e.g. "
                    "uv pip compile requirements.in --python-platform aarch64-manylinux2014 "
                    f"--python-version {self._python_version} --only-binary :all: --generate-hashes -o <lock>"
                )
        shutil.copytree(self._source_dir, out, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_ALWAYS_EXCLUDED))
        for relative_path, source in self._extra_files.items():
            (out / relative_path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, out / relative_path)
        for relative_path, text in self._extra_content.items():
            (out / relative_path).write_text(text, encoding="utf-8")
        if self._check_imports_of is not None:
            unresolved = unresolved_imports(out, self._source_dir, self._check_imports_of, self._extra_files)
            if unresolved:
                raise ValueError(
                    f"{self._owner}the bundle does not contain what the agent imports, so it would fail at its first "
                    f"start (ModuleNotFoundError): {'; '.join(unresolved)}. Add the packages to the lock"
                )
        _remove_bytecode(out)
        if self._bytecode_python is not None:
            compile_bytecode(out, self._bytecode_python)
        return True


def _remove_bytecode(out: Path) -> None:
    # Bytecode compiled by the build machine's interpreter is for another Python and platform: never ship it.
    for cache in sorted(out.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)
    for stray in out.rglob("*.pyc"):
        stray.unlink(missing_ok=True)


#: An interpreter to compile bundles' bytecode with when none of the target's version is on PATH (e.g. one that
#: ``uv python install 3.13`` installed, or a pyenv version's ``bin/python3.13``).
BYTECODE_PYTHON_ENV = "AGENTCORE_BYTECODE_PYTHON"


def compile_bytecode(out: Path, interpreter: str) -> None:
    """Compile every module of the bundle with ``interpreter`` (the target's exact X.Y; bytecode is the same on every
    platform of one version). ``unchecked-hash`` pycs (PEP 552) are used as they are: no source timestamps to
    compare, which an unzipped bundle's rounded mtimes would fail, and nothing to rewrite in a read-only directory.
    Files that do not compile (e.g. a vendored package's Python 2 example) stay source-only, as before."""
    subprocess.run(
        [interpreter, "-m", "compileall", "-q", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(out)],
        capture_output=True,
        check=False,
        timeout=600,
    )


def _version_of(interpreter: str) -> str | None:
    try:
        result = subprocess.run(
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


@functools.cache
def bytecode_interpreter(python_version: str) -> str | None:
    """An interpreter of exactly ``python_version`` on this machine, or None: ``$AGENTCORE_BYTECODE_PYTHON``, the one
    running the app, ``pythonX.Y`` on PATH, or one uv knows (``uv python find``, never downloading). Looked up once
    per process, cheapest first."""
    explicit = os.environ.get(BYTECODE_PYTHON_ENV)
    if explicit:
        return explicit if _version_of(explicit) == python_version else None
    if f"{sys.version_info.major}.{sys.version_info.minor}" == python_version:
        return sys.executable
    on_path = shutil.which(f"python{python_version}")
    if on_path and _version_of(on_path) == python_version:
        return on_path
    uv = shutil.which("uv") or _sibling_of_interpreter("uv")
    if uv is None:
        return None
    try:
        found = subprocess.run(
            [uv, "python", "find", "--no-project", python_version],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    candidate = found.stdout.strip() if found.returncode == 0 else ""
    return candidate if candidate and _version_of(candidate) == python_version else None


def target_environment(python_version: str) -> dict[str, str]:
    """PEP 508 marker values of the deployment target: CPython ``python_version`` on linux/aarch64."""
    environment: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    environment.update(
        {
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": python_version,
            "python_full_version": f"{python_version}.0",
            "implementation_version": f"{python_version}.0",
            "sys_platform": "linux",
            "platform_system": "Linux",
            "os_name": "posix",
            "platform_machine": "aarch64",
            "platform_release": "",
            "platform_version": "",
        }
    )
    return environment


def unmet_requirements(site_dir: Path, python_version: str) -> list[str]:
    """``"<missing> (required by <dist>)"`` for every dependency of an installed distribution in ``site_dir`` that is
    not installed there (base requirements only, markers evaluated for the target)."""
    environment = {**target_environment(python_version), "extra": ""}
    installed: dict[str, Path] = {}
    for dist_info in site_dir.glob("*.dist-info"):
        names = _metadata_field(dist_info / "METADATA", "Name")
        if names:
            installed[canonicalize_name(names[0])] = dist_info
    unmet: list[str] = []
    for name, dist_info in sorted(installed.items()):
        for line in _metadata_field(dist_info / "METADATA", "Requires-Dist"):
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            if canonicalize_name(requirement.name) not in installed:
                unmet.append(f"{requirement.name}{requirement.specifier} (required by {name})")
    return sorted(set(unmet))


def _metadata_field(path: Path, field: str) -> list[str]:
    if not path.is_file():
        return []
    values = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line:
            break  # headers end at the first blank line; the description follows
        key, _, value = line.partition(":")
        if key == field:
            values.append(value.strip())
    return values


class LockFileError(ValueError):
    """A requirements file that is not a lock (an unpinned or unsupported line)."""


@dataclass(frozen=True)
class LockEntry:
    name: str  #: canonical (PEP 503) name
    version: str | None  #: None for a direct reference (``name @ url``)
    line: int


_OPTION_LINES = ("--hash", "--index-url", "--extra-index-url", "--find-links", "--no-index", "--trusted-host")


def read_lock(path: Path) -> dict[str, LockEntry]:
    """The pinned distributions of a requirements lock (cached per file content; see :func:`parse_lock`)."""
    text = path.read_text(encoding="utf-8")
    return dict(_parse_cached(path.name, text))


@functools.lru_cache(maxsize=64)
def _parse_cached(file_name: str, text: str) -> tuple[tuple[str, LockEntry], ...]:
    return tuple(parse_lock(file_name, text).items())


def parse_lock(file_name: str, text: str) -> dict[str, LockEntry]:
    """The pinned distributions of a requirements lock, by canonical name.

    Every requirement must be pinned with ``==``/``===`` (or be a direct ``name @ url`` reference); ``-r``/``-c``/``-e``
    includes and unpinned lines raise :class:`LockFileError` naming the line."""
    entries: dict[str, LockEntry] = {}
    logical: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        logical.append((start, (pending + text).strip()))
        pending = ""
    for number, text in logical:
        if not text or text.startswith(_OPTION_LINES):
            continue
        if text.startswith("-"):
            raise LockFileError(f"{file_name} line {number}: {text.split()[0]} is not supported in a lock")
        requirement_text = text.split(" --")[0].strip()
        try:
            requirement = Requirement(requirement_text)
        except InvalidRequirement as error:
            raise LockFileError(
                f"{file_name} line {number}: {requirement_text!r} is not a requirement ({error})"
            ) from error
        pins = [spec for spec in requirement.specifier if spec.operator in ("==", "===") and "*" not in spec.version]
        if requirement.url is None and (len(pins) != 1 or len(requirement.specifier) != 1):
            raise LockFileError(
                f"{file_name} line {number}: {requirement_text!r} is not pinned to one version (name==version): "
                "a lock pins every distribution, dependencies included"
            )
        name = canonicalize_name(requirement.name)
        entries[name] = LockEntry(name, pins[0].version if pins else None, number)
    return entries


#: The distribution name the library is published under (a lock may pin it instead of having it copied in).
LIBRARY_DISTRIBUTION = "agentcore-constructs"
_IMPORTS_LIBRARY = re.compile(r"^\s*(?:from|import)\s+agentcore_constructs\b", re.MULTILINE)


def imports_library(source_dir: Path) -> bool:
    """Whether any module under ``source_dir`` (tests and caches aside) imports ``agentcore_constructs``."""
    for module in source_dir.rglob("*.py"):
        parts = set(module.relative_to(source_dir).parts)
        if parts & {"tests", "__pycache__", ".venv", "node_modules", ".local"}:
            continue
        if _IMPORTS_LIBRARY.search(module.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def runtime_package_files(source_dir: Path, lock: dict[str, LockEntry] | None) -> dict[str, Path]:
    """The files of the library to copy into a bundle: its contract and kit, only when the code imports the library
    and its lock does not pin the library itself (then the pinned version is the one installed, untouched)."""
    if lock is not None and LIBRARY_DISTRIBUTION in lock:
        return {}
    return contract_package_files() if imports_library(source_dir) else {}


def _install_command(requirements: Path, out: Path, python_version: str) -> list[str] | None:
    """uv when there is one, else pip; None when the interpreter has neither (a bare uv-made venv)."""
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
    if importlib.util.find_spec("pip") is None:
        return None
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
    owner: str = "",
    extra_content: Mapping[str, str] | None = None,
    bytecode_python: str | None = None,
    check_imports_of: str | None = None,
) -> cdk.BundlingOptions:
    """BundlingOptions that copy ``source_dir`` and install the fully pinned ``requirements_file`` for arm64.

    ``requirements_file`` must be a complete lock (every transitive dependency pinned): it is installed with
    ``--no-deps`` so the resolution is the reviewed one, then checked: a dependency of an installed package that the
    lock lacks fails bundling (naming ``owner``, the construct). ``extra_files`` maps a path inside the bundle to a
    file to copy there (e.g. the pure-Python env-var contract of this library); ``extra_content`` a path to text to
    write there (e.g. the consumption manifest). ``bytecode_python``: an interpreter of ``python_version`` to compile
    the bundle's bytecode with (:func:`compile_bytecode`); None ships sources only. ``check_imports_of``: the entry
    script (relative to ``source_dir``) whose imports, followed through the source, must all be in the built bundle
    (:func:`agentcore_constructs.imports.unresolved_imports`); None checks nothing (a Lambda's runtime adds boto3).
    """
    bundler = _VendoredPythonBundler(
        source_dir=Path(source_dir),
        requirements_file=Path(requirements_file) if requirements_file else None,
        python_version=python_version,
        extra_files={k: Path(v) for k, v in (extra_files or {}).items()},
        owner=owner,
        extra_content=extra_content,
        bytecode_python=bytecode_python,
        check_imports_of=check_imports_of,
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
