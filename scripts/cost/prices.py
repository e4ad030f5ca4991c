"""Unit prices and workload assumptions of the cost model: data (``prices.json``), not code.

Prices cannot be fetched from here (no network): every figure in ``prices.json`` names the AWS pricing page it comes
from, the region and the date the table was set; ``verified: false`` marks a figure no copy of the page confirmed.
Check them against the pricing pages before quoting any figure; change the JSON, not the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

_DATA = json.loads((Path(__file__).with_name("prices.json")).read_text())


@dataclass(frozen=True)
class UnitPrice:
    usd: float
    unit: str
    source: str
    verified: bool = True
    note: str = ""


PRICES_REGION: str = _DATA["region"]
PRICES_SET: str = _DATA["set"]
PRICES_NOTE = (
    f"Unit prices are on-demand list prices for {PRICES_REGION}, set {PRICES_SET} from the AWS pricing pages named "
    "in each row, not fetched live. Check them against https://aws.amazon.com/pricing/ before relying on any figure."
)
PRICES: dict[str, UnitPrice] = {key: UnitPrice(**row) for key, row in _DATA["prices"].items()}
#: Workload assumptions: every per-request figure is one of these times a unit price; change them to your traffic.
ASSUMPTIONS: dict[str, tuple[float, str]] = {
    key: (float(row["value"]), str(row["meaning"])) for key, row in _DATA["assumptions"].items()
}
IDLE_TARGET_USD: float = float(_DATA["idle_target_usd"])
DEFAULT_IDLE_TIMEOUT_SECONDS = 900  # AgentCore default when the template sets no lifecycle


def price(key: str) -> float:
    return PRICES[key].usd


def assume(key: str, overrides: dict[str, float] | None = None) -> float:
    if overrides and key in overrides:
        return overrides[key]
    return ASSUMPTIONS[key][0]
