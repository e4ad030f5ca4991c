"""Build the library's wheel, install it into a clean venv and synthesize the outside-team example app with it.

    python -m scripts.example_from_wheel [WORKDIR]          (make example; a test runs it in make test)

What an outside team does, with nothing of this repository on the import path: the example (copied out of the
repository) imports only the installed wheel. The venv takes the same versions as uv.lock (constraints), so the
wheel's dependency ranges are what resolves. The pinned CDK CLI synthesizes it with the example's cdk.json (CDK's
built-in validation on), the app registers cdk-nag and the readiness pack at error level and exits 1 on any finding;
then the installed ``agentcore-scorecard`` console command scores the assembly.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = REPO_ROOT / "examples" / "outside_team"
CDK_CLI = REPO_ROOT / "node_modules" / ".bin" / "cdk"
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


def clean_venv(workdir: Path, wheel: Path) -> Path:
    venv = workdir / "venv"
    # --seed: pip in the venv, as `python -m venv` gives a team (bundling vendors wheels with uv or pip).
    _checked([_uv(), "venv", "--quiet", "--seed", "--python", sys.executable, str(venv)])
    exported = _checked(
        [_uv(), "export", "--frozen", "--no-hashes", "--format", "requirements-txt", "--all-groups"], cwd=REPO_ROOT
    ).stdout
    constraints = workdir / "constraints.txt"
    constraints.write_text("\n".join(line for line in exported.splitlines() if line and line[0].isalnum()) + "\n")
    python = venv / "bin" / "python"
    _checked([_uv(), "pip", "install", "--quiet", "--python", str(python), str(wheel), "-c", str(constraints)])
    return python


def synthesize(workdir: Path) -> ExampleResult:
    wheel = build_wheel(workdir)
    python = clean_venv(workdir, wheel)
    app = workdir / "app"
    shutil.copytree(EXAMPLE, app, ignore=_IGNORED)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "CDK_CONTEXT_JSON")}
    env["PATH"] = os.pathsep.join([str(python.parent), str(CDK_CLI.parent), env.get("PATH", "")])
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
