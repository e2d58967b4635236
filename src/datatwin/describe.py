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
    if name == "pattern":
        shapes = sorted(p["shapes"], key=lambda sh: -sh["prob"])
        shown = ", ".join(f"{sh['pattern']}: {sh['prob']:.1%}" for sh in shapes[:max_labels])
        more = f", … {len(shapes) - max_labels} more" if len(shapes) > max_labels else ""
        rest = " + other text" if p.get("fallback") else ""
        return f"pattern({shown}{more}{rest})"
    if name == "empirical":
        bins = p["bins"]
        return f"empirical({len(bins)} bins over [{_num(bins[0][0])}, {_num(bins[-1][1])}])"
    if name == "faker":
        extra = ""
        if p.get("date_format"):
            extra = f", {p['date_format']}, born {p['birth_years'][0]}–{p['birth_years'][1]}"
        return f"faker({p['provider']}, {p.get('locale', 'en_US')}{extra})"
    if name == "free_text":
        return f"free_text({p['locale']}, length {describe_distribution(p['length'])}, at most {p['max_length']})"
    args = ", ".join(f"{k}={_num(v)}" for k, v in p.items())
    return f"{name}({args})"


def describe_special_text(columns: list[dict[str, Any]]) -> list[str]:
    """One line per column made up as personal data or free text, saying why (``selection``)."""
    lines = []
    for c in columns:
        sel = c.get("selection") or {}
        if sel.get("method") == "personal data":
            provider = ((c.get("distribution") or {}).get("parameters") or {}).get("provider", "?")
            why = sel.get("reason")
            lines.append(f"personal data: {c['name']} made up as {provider} by Faker, no value kept ({why})")
        elif sel.get("method") == "free text":
            lines.append(f"free text: {c['name']} made up, only text lengths kept ({sel.get('reason')})")
    return lines


def describe_kinds(columns: list[dict[str, Any]]) -> list[str]:
    """One line per column whose kind was inferred by a rule or was not plain from its dtype
    (``selection.kind``), with the spec override to write where the choice was close."""
    lines = []
    for c in columns:
        sel = c.get("selection") or {}
        if "kind" in sel:
            line = f"kind of {c['name']}: {c['kind']}, {sel['kind']}"
            if sel.get("override"):
                line += f"; a close call, to change it write {sel['override']} in the spec"
            lines.append(line)
    return lines


def describe_privacy(privacy: dict[str, Any]) -> list[str]:
    """Lines for a model file's ``privacy`` section: the policy, its settings, budget and spending."""
    lines = [f"privacy policy: {privacy.get('policy', '?')}"]
    settings = privacy.get("settings") or {}
    if settings:
        lines.append("settings: " + ", ".join(f"{k}={_num(v)}" for k, v in settings.items()))
    if privacy.get("neighbours") == "add_remove_rows_with_id":
        lines.append(
            f"protects: all rows of one {privacy.get('id_column')!r} (at most {privacy.get('max_rows')} rows per ID kept; "
            "every sensitivity multiplied by that)"
        )
    budget = privacy.get("budget")
    if budget:
        spent = privacy.get("spent") or {}
        parts = [f"{k}={_num(v)} (spent {_num(spent.get(k, 0.0))})" for k, v in budget.items()]
        lines.append("budget: " + ", ".join(parts))
    n = len(privacy.get("ledger") or [])
    lines.append(f"ledger: {n} released statistic(s)" if n else "ledger: empty (no formal privacy accounting)")
    return lines
