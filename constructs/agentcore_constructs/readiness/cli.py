"""Print the production-readiness scorecard of a synthesized cloud assembly; write its JSON and Markdown copies.

    agentcore-scorecard [cdk.out] [--strict ENV ...] [--e2e-evidence DIR] [--quiet]
    python -m agentcore_constructs.readiness.cli [cdk.out] ...

Reads only the assembly (no AWS calls, no CDK app run). Writes ``<cdk.out>/readiness-scorecard.json`` and
``<cdk.out>/readiness-scorecard.md``. Exit status 0, or 1 when an environment named with ``--strict`` has three or
more open gaps (the seed's "not production-ready"); 2 when the directory is not a cloud assembly.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from agentcore_constructs.readiness.evidence import DEFAULT_EVIDENCE_DIR
from agentcore_constructs.readiness.scorecard import JSON_NAME, MARKDOWN_NAME, render, write_scorecard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agentcore-scorecard",
        description=(__doc__ or "The production-readiness scorecard of a cloud assembly.").splitlines()[0],
    )
    parser.add_argument("outdir", nargs="?", default="cdk.out", help="cloud assembly directory (default: cdk.out)")
    parser.add_argument(
        "--strict", action="append", default=[], metavar="ENV", help="exit 1 if ENV is not production-ready"
    )
    parser.add_argument(
        "--e2e-evidence",
        default=DEFAULT_EVIDENCE_DIR,
        metavar="DIR",
        help=f"where end-to-end runs are recorded, <DIR>/<env>.json (default: {DEFAULT_EVIDENCE_DIR})",
    )
    parser.add_argument("--quiet", action="store_true", help="only write the JSON and Markdown files")
    args = parser.parse_args(argv)
    try:
        scorecard = write_scorecard(Path(args.outdir), Path(args.e2e_evidence))
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    if not args.quiet:
        sys.stdout.write(render(scorecard))
        print(f"Written: {Path(args.outdir) / JSON_NAME}, {Path(args.outdir) / MARKDOWN_NAME}")
    unknown = set(args.strict) - {e["environment"] for e in scorecard["environments"]}
    if unknown:
        print(f"--strict names unknown environments: {sorted(unknown)}", file=sys.stderr)
        return 2
    failing = [
        e["environment"]
        for e in scorecard["environments"]
        if e["environment"] in args.strict and not e["production_ready"]
    ]
    if failing:
        print(f"Not production-ready: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
