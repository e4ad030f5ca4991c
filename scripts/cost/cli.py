"""Idle monthly cost and per-request cost of every environment, computed from a synthesized cloud assembly.

    python -m scripts.cost [cdk.out] [--requests-per-month N] [--mau N]

Reads only the CloudFormation templates of the assembly (``make synth`` writes it; nested ``assembly-<env>/``
directories, one per ``cdk.Stage``). Counts the resources that bill while nothing happens (KMS keys, alarms,
dashboards, secrets, log storage, code artifact storage, the gateway's tool index) and prices one agent request
from the resources that exist in that environment (no memory terms where stage 2 is off, and so on).

Writes ``<assembly>/cost-estimate.json`` and ``<assembly>/cost-estimate.md`` and prints a table.

**Prices cannot be fetched from here.** Every unit price is in ``scripts/cost/prices.json``, one table, with the
region, the date the table was set and the AWS pricing page each figure comes from. Check them against the pricing
pages before quoting any figure; change the table, not the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from scripts.cost.estimate import estimate
from scripts.cost.prices import ASSUMPTIONS
from scripts.cost.render import render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cost", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "assembly", nargs="?", default="cdk.out", type=Path, help="synthesized cloud assembly (cdk.out)"
    )
    parser.add_argument(
        "--requests-per-month", type=int, default=None, help="also print a monthly total at this volume"
    )
    parser.add_argument(
        "--mau", type=int, default=None, help="Cognito monthly active users (default: requests / requests_per_mau)"
    )
    parser.add_argument("--set", action="append", default=[], metavar="ASSUMPTION=VALUE", help="override an assumption")
    args = parser.parse_args(argv)
    overrides: dict[str, float] = {}
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in ASSUMPTIONS:
            parser.error(f"unknown assumption {key!r} (known: {', '.join(ASSUMPTIONS)})")
        overrides[key] = float(value)
    try:
        result = estimate(args.assembly, requests_per_month=args.requests_per_month, mau=args.mau, overrides=overrides)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    markdown = render(result)
    (args.assembly / "cost-estimate.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.assembly / "cost-estimate.md").write_text(markdown)
    print(markdown, end="")
    print(f"\nwrote {args.assembly / 'cost-estimate.json'} and {args.assembly / 'cost-estimate.md'}")
    return 0
