"""The release state of a pinned endpoint: the SSM parameter value the rollback function
(``agentcore_constructs.functions.endpoint_rollback``) writes and the deploy guard (the app's ``scripts/release.py``,
run by ``make deploy`` and the pipeline) reads.

The value is JSON: ``known_good`` (the version that stayed healthy for a window), ``promotion`` (the version the
function last saw become live and when: its own record, not the endpoint's ``lastUpdatedAt``, which any update of the
endpoint moves) and ``rollbacks``. A rollback is written ``pending`` before the endpoint is moved and ``confirmed``
after, or ``failed`` when the move failed; a crash between the two leaves ``pending``, which the function settles on
its next run and the guard judges by what the endpoint serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Where the rollback function keeps its state (outside CloudFormation, so no deploy resets it).
STATE_PARAMETER_PREFIX = "/agentcore/release"

PENDING = "pending"
CONFIRMED = "confirmed"
FAILED = "failed"
ROLLBACK_STATUSES = (PENDING, CONFIRMED, FAILED)

#: A standard-tier SSM parameter value holds at most 4 KB (Systems Manager user guide, "Managing parameter tiers":
#: https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html).
MAX_STATE_BYTES = 4096


def state_parameter_name(runtime_name: str, endpoint_name: str) -> str:
    """The SSM parameter holding an endpoint's release state."""
    return f"{STATE_PARAMETER_PREFIX}/{runtime_name}/{endpoint_name}"


class ReleaseStateError(ValueError):
    """The parameter holds something that is not a release state (hand-edited, or another writer's)."""


@dataclass(frozen=True)
class Promotion:
    version: str
    at: datetime


@dataclass
class Rollback:
    from_version: str
    to_version: str
    alarm: str
    at: str
    status: str = CONFIRMED

    def to_dict(self) -> dict[str, str]:
        return {
            "from": self.from_version,
            "to": self.to_version,
            "alarm": self.alarm,
            "at": self.at,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, raw: Any) -> Rollback:
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("from", "to", "alarm", "at")):
            raise ReleaseStateError(f"rollback record {raw!r} lacks from/to/alarm/at strings")
        # Records written before rollbacks had a status were written after the endpoint had moved.
        status = raw.get("status", CONFIRMED)
        if status not in ROLLBACK_STATUSES:
            raise ReleaseStateError(f"rollback record status {status!r} is not one of {', '.join(ROLLBACK_STATUSES)}")
        return cls(raw["from"], raw["to"], raw["alarm"], raw["at"], status)


@dataclass
class ReleaseState:
    known_good: str | None = None
    promotion: Promotion | None = None
    rollbacks: list[Rollback] = field(default_factory=list)

    @property
    def alarmed_versions(self) -> set[str]:
        """Versions an alarm tried to roll back (whatever came of it): never blessed as known-good."""
        return {r.from_version for r in self.rollbacks}

    def rollback_undone_by(self, pin: str, live: str | None, target: str | None) -> Rollback | None:
        """The rollback that deploying ``pin`` would undo, given what the pinned endpoint serves (``live``) and is
        moving to (``target``); None when there is none.

        A confirmed rollback of ``pin`` counts; a pending one only when the endpoint shows the move happened (the
        function crashed after moving it); a failed one never (the endpoint was not moved)."""
        if pin == self.known_good:
            return None
        for rollback in reversed(self.rollbacks):
            if rollback.from_version != pin:
                continue
            if rollback.status == CONFIRMED:
                return rollback
            if rollback.status == PENDING and rollback.to_version in (live, target):
                return rollback
        return None

    def to_json(self) -> str:
        """The parameter value; the oldest rollbacks are dropped until it fits a standard parameter."""
        rollbacks = list(self.rollbacks)
        while True:
            value = json.dumps(
                {
                    "known_good": self.known_good,
                    "promotion": None
                    if self.promotion is None
                    else {"version": self.promotion.version, "at": self.promotion.at.isoformat()},
                    "rollbacks": [r.to_dict() for r in rollbacks],
                },
                sort_keys=True,
            )
            if len(value.encode()) <= MAX_STATE_BYTES or not rollbacks:
                return value
            rollbacks.pop(0)

    @classmethod
    def from_json(cls, value: str) -> ReleaseState:
        try:
            data = json.loads(value)
        except json.JSONDecodeError as error:
            raise ReleaseStateError(f"not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ReleaseStateError("not a JSON object")
        known_good = data.get("known_good")
        if known_good is not None and not isinstance(known_good, str):
            raise ReleaseStateError(f"known_good {known_good!r} is not a version string")
        rollbacks = data.get("rollbacks", [])
        if not isinstance(rollbacks, list):
            raise ReleaseStateError("rollbacks is not a list")
        return cls(known_good, _promotion(data.get("promotion")), [Rollback.from_dict(r) for r in rollbacks])


def _promotion(raw: Any) -> Promotion | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), str) or not isinstance(raw.get("at"), str):
        raise ReleaseStateError(f"promotion {raw!r} lacks version/at strings")
    try:
        at = datetime.fromisoformat(raw["at"])
    except ValueError:
        raise ReleaseStateError(f"promotion time {raw['at']!r} is not an ISO 8601 timestamp") from None
    if at.tzinfo is None:
        raise ReleaseStateError(f"promotion time {raw['at']!r} has no time zone")
    return Promotion(raw["version"], at)
