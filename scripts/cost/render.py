"""The cost estimate as a Markdown table (the JSON is the estimate itself)."""

from __future__ import annotations

from typing import Any


def money(value: float) -> str:
    if value == 0:
        return "$0"
    if abs(value) < 0.01:
        return f"${value:.7f}".rstrip("0")
    return f"${value:,.2f}"


def _qty(value: float) -> str:
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.6g}"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    out = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    out += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return out


def render(result: dict[str, Any]) -> str:
    lines = [f"# Cost estimate ({result['region']}, prices set {result['prices_set']})", "", result["note"], ""]
    summary = []
    for name, env in result["environments"].items():
        ok = "yes" if env["meets_idle_target"] else "NO"
        ok_steady = "yes" if env["meets_idle_target_after_key_rotations"] else "NO"
        summary.append(
            [
                name,
                env["account"],
                money(env["idle_monthly_usd"]),
                ok,
                money(env["idle_monthly_usd_after_key_rotations"]),
                ok_steady,
                money(env["per_request_usd"]),
                money(env["per_1000_requests_usd"]),
            ]
        )
    lines += ["## Summary", ""]
    lines += _table(
        [
            "env",
            "account",
            "idle/month (year 1)",
            f"<= ${result['idle_target_usd']:g}",
            "idle/month (after 2 key rotations)",
            f"<= ${result['idle_target_usd']:g}",
            "per request",
            "per 1000 requests",
        ],
        summary,
    )
    for name, env in result["environments"].items():
        lines += ["", f"## {name}", "", "Idle monthly cost:", ""]
        rows = [
            [
                line["item"],
                _qty(line["count"]),
                money(line["monthly_usd"]),
                money(line["steady_usd"]) if line["steady_usd"] is not None else "",
                line["note"],
            ]
            for line in env["idle"]
        ]
        rows.append(
            ["**total**", "", money(env["idle_monthly_usd"]), money(env["idle_monthly_usd_after_key_rotations"]), ""]
        )
        lines += _table(["resource", "count", "USD/month", "after rotations", "note"], rows)
        verdict = "meets" if env["meets_idle_target"] else "does NOT meet"
        verdict_steady = "meets" if env["meets_idle_target_after_key_rotations"] else "does NOT meet"
        lines += [
            "",
            f"Idle target ${result['idle_target_usd']:g}/month: {verdict} it in year 1, {verdict_steady} it "
            f"after the KMS keys' 2nd rotation. Largest idle items: {', '.join(env['dominant_idle_items']) or 'none'}.",
        ]
        lines += ["", "One agent request:", ""]
        rows = [
            [line["item"], _qty(line["count"]), f"{line['unit_cost']:.4g}", money(line["monthly_usd"]), line["note"]]
            for line in env["per_request"]
        ]
        rows.append(["**per request**", "", "", money(env["per_request_usd"]), ""])
        rows.append(["**per 1000 requests**", "", "", money(env["per_1000_requests_usd"]), ""])
        lines += _table(["item", "quantity", "USD/unit", "USD", "note"], rows)
        for warning in env["warnings"]:
            lines.append(f"\nWARNING: {warning}")
        if "monthly_at_volume" in env:
            v = env["monthly_at_volume"]
            lines += [
                "",
                f"At {v['requests_per_month']:,} requests/month ({v['mau']:,} MAU): idle {money(v['idle_usd'])} + "
                f"requests {money(v['requests_usd'])} + Cognito MAU {money(v['cognito_mau_usd'])} = "
                f"**{money(v['total_usd'])}/month**",
            ]
    lines += ["", "## Assumptions", ""]
    lines += _table(
        ["assumption", "value", "meaning"],
        [[k, _qty(v["value"]), v["meaning"]] for k, v in result["assumptions"].items()],
    )
    lines += ["", "## Unit prices", ""]
    lines += _table(
        ["key", "USD", "unit", "source", "verified"],
        [
            [k, f"{v['usd']:.6g}", v["unit"], v["source"], "yes" if v["verified"] else "NO: " + v["note"]]
            for k, v in result["prices"].items()
        ],
    )
    return "\n".join(lines) + "\n"
