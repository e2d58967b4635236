"""Short human-readable text for distributions and columns (used by ``inspect`` and ``demo``)."""

from __future__ import annotations

from typing import Any


def _num(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def describe_distribution(d: dict[str, Any] | None, max_labels: int = 4) -> str:
    """'normal(mu=38.6, sigma=13.6)'; categorical shows its most likely labels."""
    if d is None:
        return "(all missing)"
    name, p = d["name"], d.get("parameters", {})
    if name == "categorical":
        pairs = sorted(zip(p["labels"], p["probs"]), key=lambda t: -t[1])
        shown = ", ".join(f"{lab}: {pr:.1%}" for lab, pr in pairs[:max_labels])
        more = f", … {len(pairs) - max_labels} more" if len(pairs) > max_labels else ""
        return f"categorical({shown}{more})"
    if name == "point_mass_mixture":
        points = ", ".join(f"{_num(x)}: {w:.1%}" for x, w in zip(p["points"], p["weights"]))
        rest = describe_distribution(p["rest"]) if p.get("rest") else "nothing else"
        return f"point masses {{{points}}} + {rest}"
    if name == "empirical":
        bins = p["bins"]
        return f"empirical({len(bins)} bins over [{_num(bins[0][0])}, {_num(bins[-1][1])}])"
    args = ", ".join(f"{k}={_num(v)}" for k, v in p.items())
    return f"{name}({args})"


def describe_privacy(privacy: dict[str, Any]) -> list[str]:
    """Lines for a model file's ``privacy`` section: the policy, its settings, budget and spending."""
    lines = [f"privacy policy: {privacy.get('policy', '?')}"]
    settings = privacy.get("settings") or {}
    if settings:
        lines.append("settings: " + ", ".join(f"{k}={_num(v)}" for k, v in settings.items()))
    budget = privacy.get("budget")
    if budget:
        spent = privacy.get("spent") or {}
        parts = [f"{k}={_num(v)} (spent {_num(spent.get(k, 0.0))})" for k, v in budget.items()]
        lines.append("budget: " + ", ".join(parts))
    n = len(privacy.get("ledger") or [])
    lines.append(f"ledger: {n} released statistic(s)" if n else "ledger: empty (no formal privacy accounting)")
    return lines
