"""Constraints and conditional sampling (above distributions and privacy, below the models'
sampling API).

- :mod:`.expressions`: the safe expression language (formulas, comparisons) compiled to polars;
- :mod:`.kinds`: ``inequality``, ``range``, ``fixed_combinations``, ``formula``, ``implication``;
- :mod:`.conditions`: what ``model.sample(n, conditions=...)`` asks for, checked against the model;
- :mod:`.enforce`: formulas computed, the rest met by bounded, vectorised resampling.

See ``docs/constraints.md``.
"""

from datatwin.constraints.conditions import (
    ColumnCondition,
    Conditions,
    cdf_interval,
    conditions_from_where,
    parse_conditions,
)
from datatwin.constraints.expressions import parse_comparisons, parse_formula
from datatwin.constraints.kinds import (
    Constraint,
    FixedCombinations,
    FormulaConstraint,
    Implication,
    Inequality,
    Range,
    constraint_from_dict,
    parse_constraints,
)

__all__ = [
    "ColumnCondition",
    "Conditions",
    "Constraint",
    "FixedCombinations",
    "FormulaConstraint",
    "Implication",
    "Inequality",
    "Range",
    "cdf_interval",
    "conditions_from_where",
    "constraint_from_dict",
    "parse_comparisons",
    "parse_conditions",
    "parse_constraints",
    "parse_formula",
]
