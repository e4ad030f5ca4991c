"""Alarm thresholds: pure Python, so app config can use the defaults without importing aws-cdk-lib."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlarmThresholds:
    """Per-environment alarm thresholds (cdk.json ``alarms``).

    Attributes:
        error_rate_percent: runtime system errors / invocations, percent, over 5 minutes. Default: 5.
        latency_p90_ms: runtime p90 latency, milliseconds. Default: 30,000.
        throttles: runtime or gateway throttles per 5 minutes. Default: 1.
        tool_errors: Lambda errors per tool per 5 minutes. Default: 5.
        evaluation_periods: consecutive 5-minute periods breaching before the alarm fires. Default: 3.
    """

    error_rate_percent: float = 5.0
    latency_p90_ms: float = 30_000.0
    throttles: float = 1.0
    tool_errors: float = 5.0
    evaluation_periods: int = 3
