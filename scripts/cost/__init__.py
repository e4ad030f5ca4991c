"""Idle monthly cost and per-request cost of every environment, from a synthesized cloud assembly.

``python -m scripts.cost [cdk.out]`` (``make cost``): the command is :mod:`.cli`; prices and workload assumptions are
data (``prices.json``, :mod:`.prices`), the assembly is read by the library's reader (:mod:`.assembly`), the model is
:mod:`.estimate` and the table :mod:`.render`.
"""

from __future__ import annotations

from scripts.cost.assembly import Environment, load_assembly
from scripts.cost.cli import main
from scripts.cost.estimate import Line, alarm_metric_count, estimate, idle_lines, request_lines
from scripts.cost.prices import ASSUMPTIONS, PRICES, PRICES_REGION, PRICES_SET, UnitPrice, assume, price
from scripts.cost.render import render

__all__ = [
    "ASSUMPTIONS",
    "PRICES",
    "PRICES_REGION",
    "PRICES_SET",
    "Environment",
    "Line",
    "UnitPrice",
    "alarm_metric_count",
    "assume",
    "estimate",
    "idle_lines",
    "load_assembly",
    "main",
    "price",
    "render",
    "request_lines",
]
