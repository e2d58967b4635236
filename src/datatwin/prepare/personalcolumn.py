"""What fitting does with personal data and free text: the spec's ``personal`` and
``locale`` options, detection, and the selection note that ``datatwin inspect`` prints.

Both work by rewriting the column's spec before estimation, so the privacy policy sees an
ordinary forced distribution: personal data gets ``faker`` with fixed parameters (nothing
estimated from the values, except the text format and birth-year range of dates of
birth), free text gets ``free_text`` (a model of its lengths). The owner's forced
``kind``, ``distribution`` or ``text_format`` always wins over detection, and a private
policy never detects (detection reads the values); it only applies a forced provider.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import polars as pl

from datatwin.distributions import Distribution, FakerDistribution, FreeTextDistribution
from datatwin.errors import ColumnError, DatatwinWarning, DistributionError
from datatwin.personal import DEFAULT_LOCALE, detect_personal, looks_like_free_text, text_locale
from datatwin.personal.hints import is_hinted, name_tokens
from datatwin.schema import ColumnSpec, FitSpec


@dataclasses.dataclass(frozen=True)
class SpecialText:
    """A text column fitted as personal data or free text: the ``spec`` to fit it with,
    the ``selection`` note for the model file, and the ``locale`` for the distribution."""

    spec: ColumnSpec
    selection: dict[str, Any]
    locale: str


def personal_for_fit(series: pl.Series, spec: ColumnSpec, fit_spec: FitSpec, reads_values: bool = True) -> SpecialText | None:
    """The spec that makes ``series`` personal data (Faker), or None when it is not.

    Parameters
    ----------
    series
        The column, sentinels already turned into nulls.
    spec, fit_spec
        The column's and the global spec: ``personal`` (None: detect, False: never, a
        provider: force), ``locale``, ``detect_personal``.
    reads_values
        False under a private policy: then only a forced provider applies.
    """
    name = series.name
    forced = spec.personal if isinstance(spec.personal, str) else None
    if forced is not None and not _is_text(series.dtype):  # the owner's word is never dropped silently
        raise ColumnError(
            name,
            f"the spec says personal = {forced!r}, but the column is {series.dtype} and Faker makes up text "
            "(String or Categorical); cast the column to String, or remove 'personal' for this column",
        )
    if spec.personal is False:
        return None
    if not _is_text(series.dtype):
        if reads_values and series.dtype.is_numeric() and spec.personal is None:
            tokens = name_tokens(name)
            hinted = [p for p in ("phone_number", "iban") if is_hinted(p, tokens)]
            if hinted:  # numbers cannot be made up by Faker, and their fit publishes their range
                warnings.warn(
                    f"column {name!r} holds numbers, but its name suggests {hinted[0].replace('_', ' ')}s; "
                    "its fitted range would publish the smallest and largest of them: cast it to String "
                    "(Faker then makes them up), exclude it, or set personal = false to keep it as numbers",
                    DatatwinWarning, stacklevel=4,
                )
        return None
    if forced is None:
        owner_decided = spec.kind is not None or spec.distribution is not None or isinstance(spec.text_format, str)
        if owner_decided or not fit_spec.detect_personal or not reads_values:
            return None
        guess = detect_personal(series.drop_nulls(), name)
        if guess is None:
            return None
        provider, detected, reason = guess.provider, guess.locale, guess.reason
    else:
        provider, detected, reason = forced, None, f"the spec says personal = {forced!r}"
    # the owner's choice beats a guess: column locale, then global locale, then the detected one
    locale = spec.locale or fit_spec.locale or detected or DEFAULT_LOCALE
    try:
        dist = _faker(series, provider, locale, reads_values, fit_spec.rare_threshold)
    except DistributionError as exc:
        if forced is None:
            return None  # the sample looked like dates of birth, the whole column does not
        raise ColumnError(name, str(exc)) from None
    fitted = dataclasses.replace(spec, kind="string", distribution=dist.to_dict(), text_format=False)
    return SpecialText(fitted, {"method": "personal data", "reason": reason}, locale)


def _faker(series: pl.Series, provider: str, locale: str, reads_values: bool, k: int) -> Distribution:
    if provider != "date_of_birth":
        return FakerDistribution(provider, locale)
    if not reads_values:
        raise DistributionError(
            "a date_of_birth column needs its text format and years read from the values, which a private "
            "policy does not allow; give them: distribution = {name = \"faker\", parameters = {provider = "
            "\"date_of_birth\", date_format = \"%Y-%m-%d\", birth_years = [1940, 2005]}}"
        )
    counts = series.drop_nulls().cast(pl.String).value_counts()
    if len(counts) == 0:
        raise DistributionError("has no values to read the date format from")
    return FakerDistribution.fit(
        counts.get_column(series.name).to_numpy(), counts.get_column("count").to_numpy(),
        provider=provider, locale=locale, k=k,
    )


def free_text_for_fit(
    values: np.ndarray, counts: np.ndarray, kind: str, spec: ColumnSpec, fit_spec: FitSpec, reads_values: bool = True
) -> SpecialText | None:
    """The spec that makes a ``string`` column free text (``free_text``), or None.

    ``values`` and ``counts`` are the distinct values and how often each occurs. Only
    columns whose kind and distribution the owner left open are considered."""
    if kind != "string" or not reads_values or len(values) == 0:
        return None
    if spec.kind is not None or spec.distribution is not None or isinstance(spec.personal, str):
        return None
    reason = looks_like_free_text(values, counts)
    if reason is None:
        return None
    locale = spec.locale or fit_spec.locale or text_locale(values) or DEFAULT_LOCALE
    fitted = dataclasses.replace(spec, distribution="free_text")
    return SpecialText(fitted, {"method": "free text", "reason": reason}, locale)


def finish(special: SpecialText, dist: Distribution | None, selection: dict[str, Any] | None) -> tuple[
    Distribution | None, dict[str, Any] | None
]:
    """The distribution and selection note to keep after estimation: free text in its
    locale, and the note saying why (unless the estimate fell back to something else,
    e.g. a constant for a single distinct value)."""
    if isinstance(dist, FreeTextDistribution):
        return dataclasses.replace(dist, locale=special.locale), special.selection
    if isinstance(dist, FakerDistribution):
        return dist, special.selection
    return dist, selection


def _is_text(dtype: pl.DataType) -> bool:
    # an Enum's labels are part of its dtype, published whatever the distribution: not ours to hide
    return dtype == pl.String or (isinstance(dtype, pl.Categorical) and not isinstance(dtype, pl.Enum))
