"""Build the library's wheel, install it into a clean venv and synthesize the outside-team example app with it.

    python -m scripts.example_from_wheel [WORKDIR]          (make example; a test runs it in make test)

What an outside team does, with nothing of this repository on the import path: the example (copied out of the
repository) imports only the installed wheel. The venv takes the same versions as uv.lock (constraints), so the
wheel's dependency ranges are what resolves. The pinned CDK CLI synthesizes it with the example's cdk.json (CDK's
built-in validation on), the app registers cdk-nag and the readiness pack at error level and exits 1 on any finding;
then the installed ``agentcore-scorecard`` console command scores the assembly. uv is on the app's PATH, so
bundling vendors with it (the library falls back to the venv's pip without it).

The clean venv is kept under .tools/example-venv/, named by what it is made of (the wheel's file hashes, the
constraints, the interpreter and uv): a run with the same library reuses it, any change builds a new one. A new one
takes the repository venv's bytecode for the modules that are the very same files (see :func:`share_bytecode`).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "outside_team"
CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"
#: Clean venvs by content (gitignored; `make clean` removes them): only the newest is kept.
VENV_CACHE = REPO_ROOT / ".tools" / "example-venv"
#: Written last into a cached venv: a venv without it was interrupted and is rebuilt.
_COMPLETE = ".complete"
_IGNORED = shutil.ignore_patterns(
    "build", "*.egg-info", "__pycache__", "tests", "library_tests", "cdk.out", ".pytest_cache"
)


@dataclass(frozen=True)
class ExampleResult:
    wheel: Path
    library_file: str  #: where the example's interpreter imports agentcore_constructs from
    synth: subprocess.CompletedProcess[str]
    scorecard: dict[str, object] | None
    outdir: Path


def _uv() -> str:
    return shutil.which("uv") or str(Path(sys.executable).parent / "uv")


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]


def _checked(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = _run(command, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result


def build_wheel(workdir: Path) -> Path:
    source = workdir / "library-source"
    shutil.copytree(REPO_ROOT / "constructs", source, ignore=_IGNORED)  # setuptools writes build/ next to it
    _checked([_uv(), "build", "--wheel", "--quiet", str(source), "--out-dir", str(workdir / "dist")])
    (wheel,) = (workdir / "dist").glob("agentcore_constructs-*.whl")
    return wheel


def _constraints() -> str:
    """uv.lock's versions as pip constraints, so the wheel's dependency ranges resolve to what the repository tests."""
    exported = _checked(
        [_uv(), "export", "--frozen", "--no-hashes", "--format", "requirements-txt", "--all-groups"], cwd=REPO_ROOT
    ).stdout
    return "\n".join(line for line in exported.splitlines() if line and line[0].isalnum()) + "\n"


def venv_key(wheel: Path, constraints: str) -> str:
    """What the clean venv is made of, as a name: the wheel's RECORD (the sha256 of every file it installs; the
    wheel's own bytes differ per build by their zip timestamps), the constraints, the interpreter and uv."""
    with zipfile.ZipFile(wheel) as archive:
        (record,) = [name for name in archive.namelist() if name.endswith(".dist-info/RECORD")]
        digest = hashlib.sha256(archive.read(record))
    uv_version = _checked([_uv(), "--version"]).stdout
    for part in (constraints, sys.executable, sys.version, uv_version):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:24]


def clean_venv(workdir: Path, wheel: Path, cache: Path | None = VENV_CACHE) -> Path:
    """A venv with only the wheel and its dependencies installed; its python. With ``cache``, the venv of the same
    content from an earlier run when there is one (nothing installs into it after it is complete)."""
    constraints = _constraints()
    if cache is None:
        return _install_venv(workdir / "venv", wheel, constraints, workdir)
    cache.mkdir(parents=True, exist_ok=True)
    venv = cache / venv_key(wheel, constraints)
    # One builder at a time (two test workers or a test and `make example`); built in place: a venv's console
    # scripts name its absolute path, so it cannot be built elsewhere and moved.
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / _COMPLETE).is_file():
            shutil.rmtree(venv, ignore_errors=True)
            _install_venv(venv, wheel, constraints, workdir)
            (venv / _COMPLETE).write_text(wheel.name + "\n")
        for stale in cache.iterdir():
            if stale.is_dir() and stale != venv:
                shutil.rmtree(stale, ignore_errors=True)
    return venv / "bin" / "python"


def _install_venv(venv: Path, wheel: Path, constraints: str, workdir: Path) -> Path:
    # --seed: pip in the venv, as `python -m venv` gives a team (bundling vendors wheels with uv or pip).
    _checked([_uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)])
    workdir.mkdir(parents=True, exist_ok=True)
    constraints_file = workdir / "constraints.txt"
    constraints_file.write_text(constraints)
    python = venv / "bin" / "python"
    _checked([_uv(), "pip", "install", "--quiet", "--python", str(python), str(wheel), "-c", str(constraints_file)])
    share_bytecode(venv)
    return python


def share_bytecode(venv: Path) -> int:
    """Link into ``venv`` the bytecode ``make install`` compiled in the repository's venv, for every module that is
    the very same file in both (one inode: uv links both venvs to its cache), so the clean venv's first synth does not
    compile aws-cdk-lib's modules again (3 s of CPU). Python still checks every .pyc against its source's mtime and
    size; the wheel's own modules are files of their own, compiled on first import. Returns how many were linked."""
    ours = Path(sysconfig.get_paths()["purelib"])
    theirs = venv / ours.relative_to(sys.prefix)
    linked = 0
    for compiled in ours.rglob(f"__pycache__/*.{sys.implementation.cache_tag}.pyc"):
        source = compiled.parent.parent / f"{compiled.name.split('.', 1)[0]}.py"
        counterpart = theirs / source.relative_to(ours)
        try:
            if not os.path.samefile(source, counterpart):
                continue
            (counterpart.parent / "__pycache__").mkdir(exist_ok=True)
            os.link(compiled, counterpart.parent / "__pycache__" / compiled.name)
        except OSError:  # not in the clean venv, another file there, or already linked
            continue
        linked += 1
    return linked


def synthesize(workdir: Path) -> ExampleResult:
    wheel = build_wheel(workdir)
    python = clean_venv(workdir, wheel)
    app = workdir / "app"
    shutil.copytree(EXAMPLE, app, ignore=_IGNORED)
    # PYTHONDONTWRITEBYTECODE dropped: the venv's bytecode is compiled on first import and kept with the venv (the
    # bundle takes the library's .py files only), instead of recompiling aws-cdk-lib in every process of every run.
    dropped = ("PYTHONPATH", "VIRTUAL_ENV", "CDK_CONTEXT_JSON", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    # uv on PATH, as in a team's CI that has it: bundling vendors the agent's arm64 wheels with uv (0.6 s against
    # pip's 6 s). The pip fallback has its own test (library_tests/bundling: a local index, pip forced).
    uv_only = workdir / "uv-bin"  # uv alone: nothing else of the repository's tooling on the app's PATH
    uv_only.mkdir(exist_ok=True)
    (uv_only / "uv").unlink(missing_ok=True)
    (uv_only / "uv").symlink_to(_uv())
    env["PATH"] = os.pathsep.join([str(python.parent), str(CDK_CLI.parent), str(uv_only), env.get("PATH", "")])
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    library_file = _checked(
        [str(python), "-c", "import agentcore_constructs; print(agentcore_constructs.__file__)"], cwd=app, env=env
    ).stdout.strip()
    outdir = app / "cdk.out"
    synth = _run(
        [str(CDK_CLI), "synth", "--quiet", "--app", f"{python} app.py", "--output", str(outdir)], cwd=app, env=env
    )
    scorecard = None
    if synth.returncode == 0:
        _checked([str(python.parent / "agentcore-scorecard"), str(outdir), "--quiet"], cwd=app, env=env)
        scorecard = json.loads((outdir / "readiness-scorecard.json").read_text())
    return ExampleResult(wheel, library_file, synth, scorecard, outdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workdir", nargs="?", help="where to build (default: a temporary directory)")
    args = parser.parse_args(argv)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="example-"))
    workdir.mkdir(parents=True, exist_ok=True)
    result = synthesize(workdir)
    print(f"wheel: {result.wheel.name}; agentcore_constructs imported from {result.library_file}")
    sys.stdout.write(result.synth.stdout[-4000:] + result.synth.stderr[-4000:])
    if result.synth.returncode != 0:
        print(f"cdk synth failed (exit {result.synth.returncode})", file=sys.stderr)
        return 1
    environments: list[dict[str, str]] = result.scorecard["environments"] if result.scorecard else []  # type: ignore[assignment]
    for environment in environments:
        print(f"{environment['environment']}: {environment['verdict']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
