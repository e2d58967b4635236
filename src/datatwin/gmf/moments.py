"""Closed-form numbers of datatwin distributions, for export: the exact multinoulli of a
small integer distribution, and mean and variance for moment-matched stand-ins."""

from __future__ import annotations

import math
from typing import Any

#: a discrete empirical histogram is written as a multinoulli over at most this many integers
_MAX_EXPANDED_LABELS = 10_000


def histogram_as_empirical(dist: dict[str, Any]) -> dict[str, Any]:
    """A ``histogram`` as the ``empirical`` distribution of the same bins ([lo, hi] pairs;
    whole numbers: the integers from ceil(edge) up to the next edge's ceil - 1)."""
    p = dist["parameters"]
    e = p["edges"]
    if p["integer"]:
        bins = [[math.ceil(a), math.ceil(b) - 1] for a, b in zip(e[:-1], e[1:])]
    else:
        bins = [[float(a), float(b)] for a, b in zip(e[:-1], e[1:])]
    return {"name": "empirical", "parameters": {"bins": bins, "probs": p["probs"], "integer": p["integer"]}}


def _expand_empirical(p: dict[str, Any]) -> tuple[list[Any], list[float]] | None:
    """An integer (or all-point) histogram as the exact multinoulli over its values, if small."""
    bins, probs = p["bins"], p["probs"]
    if all(lo == hi for lo, hi in bins):
        mass: dict[Any, float] = {}
        for (lo, _), q in zip(bins, probs):
            mass[lo] = mass.get(lo, 0.0) + q
        return list(mass), list(mass.values())
    if not p["integer"] or sum(int(hi) - int(lo) + 1 for lo, hi in bins) > _MAX_EXPANDED_LABELS:
        return None
    mass = {}
    for (lo, hi), q in zip(bins, probs):
        share = q / (int(hi) - int(lo) + 1)
        for k in range(int(lo), int(hi) + 1):
            mass[k] = mass.get(k, 0.0) + share
    labels = sorted(mass)
    return labels, [mass[k] for k in labels]


def _expand_mixture(p: dict[str, Any]) -> tuple[list[Any], list[float]] | None:
    """Integer point masses plus a bounded integer rest as the exact multinoulli: the rest
    keeps its shape off the points (datatwin redraws rest values that land on a point)."""
    pmf = _bounded_pmf(p["rest"])
    if pmf is None or not all(isinstance(x, int) for x in p["points"]):
        return None
    rest_weight = 1.0 - sum(p["weights"])
    off_points = {k: q for k, q in pmf.items() if k not in set(p["points"])}
    total = sum(off_points.values())
    if not total > 0:
        return None
    mass = {x: w for x, w in zip(p["points"], p["weights"])}
    for k, q in off_points.items():
        mass[k] = rest_weight * q / total
    labels = sorted(mass)
    return labels, [mass[k] for k in labels]


def _bounded_pmf(dist: dict[str, Any]) -> dict[int, float] | None:
    """{value: probability} of a discrete distribution on a small range of integers, in closed form."""
    if dist["name"] == "histogram":
        dist = histogram_as_empirical(dist)
    name, p = dist["name"], dist["parameters"]
    if name == "finite" and p["integer"]:
        return {int(v): q for v, q in zip(p["values"], p["probs"])}
    if name == "empirical" and (expanded := _expand_empirical(p)) is not None:
        return dict(zip(expanded[0], expanded[1]))
    if name == "discrete_uniform" and p["upper"] - p["lower"] < _MAX_EXPANDED_LABELS:
        return {k: 1.0 / (p["upper"] - p["lower"] + 1) for k in range(p["lower"], p["upper"] + 1)}
    if name == "discrete_truncated_normal":
        lo, hi = p["lower"], p["upper"]
        if not (float(lo).is_integer() and float(hi).is_integer()) or hi - lo >= _MAX_EXPANDED_LABELS:
            return None
        # every integer in [lower, upper] takes the normal's mass within half a unit of it
        mass = {k: _cdf((k + 0.5 - p["mu"]) / p["sigma"]) - _cdf((k - 0.5 - p["mu"]) / p["sigma"])
                for k in range(int(lo), int(hi) + 1)}
        total = sum(mass.values())
        return {k: q / total for k, q in mass.items()} if total > 0 else None
    return None


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi) if math.isfinite(z) else 0.0


def _cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _moments(dist: dict[str, Any] | None) -> tuple[float, float] | None:
    """(mean, variance) of a numeric datatwin distribution in closed form, or None."""
    if dist is None:
        return None
    if dist["name"] == "histogram":
        dist = histogram_as_empirical(dist)
    name, p = dist["name"], dist["parameters"]
    try:
        if name == "finite":
            m1 = sum(q * x for q, x in zip(p["probs"], p["values"]))
            return m1, sum(q * x * x for q, x in zip(p["probs"], p["values"])) - m1 * m1
        if name in ("normal", "discrete_normal"):
            return p["mu"], p["sigma"] ** 2
        if name in ("truncated_normal", "discrete_truncated_normal"):
            half = 0.5 if name.startswith("discrete") else 0.0
            a, b = (p["lower"] - half - p["mu"]) / p["sigma"], (p["upper"] + half - p["mu"]) / p["sigma"]
            z = _cdf(b) - _cdf(a)
            if not z > 1e-300:
                return None
            d = (_phi(a) - _phi(b)) / z
            return p["mu"] + p["sigma"] * d, p["sigma"] ** 2 * (1 + (a * _phi(a) - b * _phi(b)) / z - d * d)
        if name in ("lognormal", "discrete_lognormal"):
            s2 = p["sigma"] ** 2
            return math.exp(p["mu"] + s2 / 2), math.expm1(s2) * math.exp(2 * p["mu"] + s2)
        if name in ("gamma", "discrete_gamma"):
            return p["shape"] * p["scale"], p["shape"] * p["scale"] ** 2
        if name == "exponential":
            return 1 / p["rate"], 1 / p["rate"] ** 2
        if name == "poisson":
            return p["mu"], p["mu"]
        if name == "geometric":
            return (1 - p["p"]) / p["p"], (1 - p["p"]) / p["p"] ** 2
        if name == "negative_binomial":
            return p["n"] * (1 - p["p"]) / p["p"], p["n"] * (1 - p["p"]) / p["p"] ** 2
        if name == "uniform":
            return (p["lower"] + p["upper"]) / 2, (p["upper"] - p["lower"]) ** 2 / 12
        if name == "discrete_uniform":
            return (p["lower"] + p["upper"]) / 2, ((p["upper"] - p["lower"] + 1) ** 2 - 1) / 12
        if name == "constant" and isinstance(p["value"], (int, float)) and not isinstance(p["value"], bool):
            return float(p["value"]), 0.0
        if name == "empirical":
            m1 = m2 = 0.0
            for (lo, hi), q in zip(p["bins"], p["probs"]):
                if p["integer"]:
                    mean, var = (lo + hi) / 2, ((hi - lo + 1) ** 2 - 1) / 12
                else:
                    mean, var = (lo + hi) / 2, (hi - lo) ** 2 / 12
                m1, m2 = m1 + q * mean, m2 + q * (var + mean * mean)
            return m1, m2 - m1 * m1
        if name == "point_mass_mixture":
            w = sum(p["weights"])
            m1 = sum(q * x for q, x in zip(p["weights"], p["points"]))
            m2 = sum(q * x * x for q, x in zip(p["weights"], p["points"]))
            rest = _moments(p["rest"]) if p["rest"] is not None else (0.0, 0.0)
            if rest is None:
                return None
            if p["rest"] is None:
                m1, m2, w = m1 / w, m2 / w, 1.0
            m1, m2 = m1 + (1 - w) * rest[0], m2 + (1 - w) * (rest[1] + rest[0] ** 2)
            return m1, m2 - m1 * m1
    except (ArithmeticError, KeyError, TypeError):
        return None
    return None
