"""One column's model: its model-file entry, its checks, and sampling it back with the
exact source dtype. Fitting a column is in :mod:`datatwin.models.column_fit`."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from datatwin.distributions import (
    Distribution,
    distribution_from_dict,
)
from datatwin.errors import DistributionError, SamplingError, SpecError
from datatwin.prepare.convert import KIND_DTYPES, cast_series, to_series
from datatwin.prepare.textformat import TextFormat
from datatwin.schema import (
    dtype_from_str,
)

if TYPE_CHECKING:
    from datatwin.privacy.base import ReleasedCounts

#: how many rounds of redrawing duplicates before a unique column gives up
_UNIQUE_ROUNDS = 100
#: a unique column drawn from a support of at most this many values may fill its last
#: duplicates without replacement from the values not drawn yet
_MAX_ENUMERATED = 10_000_000


class ColumnCheckError(DistributionError):
    """A column entry fails a semantic check; ``field`` names the offending key."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclasses.dataclass
class ColumnModel:
    """Everything datatwin keeps about one column; serialises to one model-file entry."""

    name: str
    kind: str
    dtype: str
    prop_missing: float
    unique: bool
    distribution: Distribution | None
    categories: list[str] | None = None
    description: str | None = None
    selection: dict[str, Any] | None = None
    rare_labels: dict[str, Any] | None = None
    #: dates/numbers written as text: TextFormat.to_dict(); ``dtype`` stays the source's "String"
    text_format: dict[str, Any] | None = None
    #: the noisy histogram the marginal was built from under DP, over public labels (a family may
    #: combine it with its own measurements); not written to the file, which keeps the marginal
    released: ReleasedCounts | None = dataclasses.field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "kind": self.kind, "dtype": self.dtype}
        if self.text_format is not None:
            d["text_format"] = self.text_format
        if self.categories is not None:
            d["categories"] = self.categories
        if self.description is not None:
            d["description"] = self.description
        d["prop_missing"] = self.prop_missing
        d["unique"] = self.unique
        if self.rare_labels is not None:
            d["rare_labels"] = self.rare_labels
        d["distribution"] = self.distribution.to_dict() if self.distribution is not None else None
        if self.selection is not None:
            d["selection"] = self.selection
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ColumnModel":
        """Build from a model-file entry already checked against the JSON Schema."""
        dist = d.get("distribution")
        return cls(
            name=d["name"],
            kind=d["kind"],
            dtype=d["dtype"],
            prop_missing=float(d["prop_missing"]),
            unique=bool(d["unique"]),
            distribution=distribution_from_dict(dist) if dist is not None else None,
            categories=d.get("categories"),
            description=d.get("description"),
            selection=d.get("selection"),
            rare_labels=d.get("rare_labels"),
            text_format=d.get("text_format"),
        )

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype, self.categories)

    def parsed_format(self) -> TextFormat | None:
        """The :class:`TextFormat` of a column of dates or numbers written as text, or None."""
        if self.text_format is None:
            return None
        try:
            return TextFormat.from_dict(self.text_format)
        except SpecError as exc:
            raise ColumnCheckError("text_format", str(exc)) from None

    def check(self) -> None:
        """Semantic checks beyond the JSON Schema; raises ColumnCheckError naming the field."""
        try:
            dtype = self.polars_dtype
        except ValueError as exc:
            raise ColumnCheckError("dtype", str(exc)) from None
        fmt = self.parsed_format()
        if fmt is not None:  # the kind describes the parsed values; the file's dtype is the text's
            if self.dtype != "String":
                raise ColumnCheckError("dtype", f"a column with a text_format holds text: dtype must be 'String', not {self.dtype!r}")
            dtype = fmt.polars_dtype
            if not KIND_DTYPES[self.kind](dtype) or self.kind in ("categorical", "string"):
                raise ColumnCheckError(
                    "kind", f"a column whose text_format parses to {fmt.dtype} cannot be of kind {self.kind!r}"
                )
        if not KIND_DTYPES[self.kind](dtype):
            raise ColumnCheckError("kind", f"a {self.dtype} column cannot be of kind {self.kind!r}")
        if self.unique and self.kind in ("categorical", "boolean"):
            raise ColumnCheckError("unique", f"a {self.kind} column cannot be unique; set unique to false")
        dist = self.distribution
        if dist is None:
            if self.prop_missing < 1:
                raise ColumnCheckError("distribution", "is null but prop_missing < 1; give a distribution")
            return
        if self.kind not in dist.kinds:
            raise ColumnCheckError(
                "distribution",
                f"{dist.name!r} cannot model a {self.kind} column (it models {', '.join(dist.kinds)})",
            )
        if dist.name == "categorical":
            self._check_labels(dtype, dist.labels)

    def _check_labels(self, dtype: pl.DataType, labels: list) -> None:
        if self.categories is not None:
            allowed = set(self.categories)
            extra = [lab for lab in labels if lab not in allowed]
            if extra:
                raise ColumnCheckError("distribution", f"labels {extra[:5]} are not among the Enum 'categories'")
        try:
            pl.Series(labels).cast(dtype, strict=True)
        except Exception:
            raise ColumnCheckError(
                "distribution", f"labels {labels[:5]}... cannot be values of dtype {self.dtype}"
            ) from None

    # -- sampling -----------------------------------------------------------------
    def sample(
        self,
        n: int,
        rng: np.random.Generator,
        *,
        uniforms: np.ndarray | None = None,
        codes: np.ndarray | None = None,
        missing: np.ndarray | None = None,
    ) -> pl.Series:
        """``n`` values with missing values at ``prop_missing`` and the source dtype.

        A multivariate family passes what it drew jointly: ``uniforms`` in (0, 1) turned into
        values by the distribution's ``ppf`` (or, for a categorical column, label indices
        ``codes``), and the ``missing`` mask; whatever is not given is drawn from ``rng``.
        """
        dtype = self.polars_dtype
        if self.distribution is None:
            return pl.repeat(None, n, dtype=dtype, eager=True).alias(self.name)
        fmt = self.parsed_format()
        if fmt is not None:  # draw dates/numbers, then write them as the source's text
            dtype = fmt.polars_dtype
        series = self._draw(n, rng, dtype, fmt, uniforms, codes)
        if self.unique:
            series = self._make_unique(series, rng, dtype, fmt)
        if missing is None and self.prop_missing > 0:
            missing = rng.random(n) < self.prop_missing
        if missing is not None and missing.any():
            series = pl.select(pl.when(pl.Series(missing)).then(None).otherwise(series)).to_series()
        return series.alias(self.name)

    def _draw(
        self,
        n: int,
        rng: np.random.Generator,
        dtype: pl.DataType,
        fmt: TextFormat | None = None,
        uniforms: np.ndarray | None = None,
        codes: np.ndarray | None = None,
    ) -> pl.Series:
        series = self._draw_typed(n, rng, dtype, uniforms, codes)
        return fmt.render(series) if fmt is not None else series

    def _draw_typed(
        self,
        n: int,
        rng: np.random.Generator,
        dtype: pl.DataType,
        uniforms: np.ndarray | None = None,
        codes: np.ndarray | None = None,
    ) -> pl.Series:
        dist = self.distribution
        if self.kind == "categorical" and hasattr(dist, "sample_codes"):
            labels = pl.Series(dist.labels)
            if isinstance(dtype, (pl.Categorical, pl.Enum)) or dtype == pl.String:
                labels = labels.cast(pl.String)
            # cast the few labels, then gather: gathering a Categorical moves integers, not strings
            labels = cast_series(labels, dtype, self.name)
            if codes is None:
                codes = dist.sample_codes(n, rng)
            return labels.gather(pl.Series(np.asarray(codes, dtype=np.uint32)))  # no copy when already uint32
        values = dist.sample(n, rng) if uniforms is None else dist.from_uniforms(uniforms)
        return to_series(values, self.kind, dtype, self.name)

    def _make_unique(
        self, series: pl.Series, rng: np.random.Generator, dtype: pl.DataType, fmt: TextFormat | None = None
    ) -> pl.Series:
        for _ in range(_UNIQUE_ROUNDS):  # on the text when there is a text format: that is what must differ
            dup = ~series.is_first_distinct()
            k = int(dup.sum())
            if k == 0:
                return series
            redraw = self._draw(k, rng, dtype, fmt)
            series = series.scatter(np.flatnonzero(dup.to_numpy()), redraw)
        filled = self._fill_unique(series, rng, dtype, fmt)
        if filled is not None:
            return filled
        raise SamplingError(
            f"column {self.name!r} is marked unique but its {self.distribution.name} distribution cannot produce "
            f"{len(series)} distinct values; sample fewer rows or set unique to false for this column"
        )


    def unique_against(self, series: pl.Series, seen: pl.Series, rng: np.random.Generator) -> pl.Series:
        """``series`` (already distinct) with every value that is also in ``seen`` (earlier
        blocks of the same sample) redrawn, in bounded rounds; SamplingError when the
        distribution cannot produce enough distinct values."""
        dtype = series.dtype
        fmt = self.parsed_format()
        for _ in range(_UNIQUE_ROUNDS):
            clash = (series.is_in(seen.implode()) | ~series.is_first_distinct()) & series.is_not_null()
            k = int(clash.sum())
            if k == 0:
                return series
            redraw = self._draw(k, rng, dtype, fmt).cast(dtype)
            series = series.scatter(np.flatnonzero(clash.to_numpy()), redraw)
        clash = (series.is_in(seen.implode()) | ~series.is_first_distinct()) & series.is_not_null()
        if not clash.any():
            return series
        # the last clashes from what is left of a small, enumerable support (as _fill_unique)
        values = getattr(self.distribution, "support_values", lambda _: None)(_MAX_ENUMERATED)
        if values is not None:
            support = to_series(values, self.kind, dtype, self.name)
            if fmt is not None:
                support = fmt.render(support)
            kept = series.filter(~clash)
            unused = support.filter(~support.is_in(pl.concat([seen, kept]).drop_nulls().implode()))
            k = int(clash.sum())
            if len(unused) >= k:
                chosen = unused.gather(pl.Series(rng.choice(len(unused), k, replace=False).astype(np.uint32)))
                return series.scatter(np.flatnonzero(clash.to_numpy()), chosen)
        raise SamplingError(
            f"column {self.name!r} is marked unique but its {self.distribution.name} distribution cannot produce "
            f"{len(series) + len(seen):,} distinct values; sample fewer rows or set unique to false for this column"
        )

    def _fill_unique(
        self, series: pl.Series, rng: np.random.Generator, dtype: pl.DataType, fmt: TextFormat | None
    ) -> pl.Series | None:
        """The duplicates left after redrawing replaced by values drawn without replacement
        from the rest of a small, enumerable support (a unique column of 100 consecutive days
        samples its own 100 rows), or None when the support is not enumerable or too small."""
        support_values = getattr(self.distribution, "support_values", None)
        if support_values is None:
            return None
        values = support_values(_MAX_ENUMERATED)
        if values is None or len(values) < len(series):
            return None
        support = to_series(values, self.kind, dtype, self.name)
        if fmt is not None:
            support = fmt.render(support)
        unused = support.filter(~support.is_in(series.drop_nulls().unique().implode()))
        dup = ~series.is_first_distinct()
        k = int(dup.sum())
        if len(unused) < k:
            return None
        chosen = unused.gather(pl.Series(rng.choice(len(unused), k, replace=False).astype(np.uint32)))
        return series.scatter(np.flatnonzero(dup.to_numpy()), chosen)


#: rows per sampling block: block ``b`` draws from :func:`block_seed` ``(root, b)``, so a
#: sample can be generated in chunks or partitions that start at a block boundary and still
#: equal the in-memory sample. Block 0 uses the root itself: a sample of up to this many
#: rows is drawn exactly as before blocks existed.
BLOCK_ROWS = 1 << 20


def block_seed(root: np.random.SeedSequence, block: int) -> np.random.SeedSequence:
    """The seed of sampling block ``block`` (see :data:`BLOCK_ROWS`)."""
    if block == 0:
        return root
    # new entropy, not a spawn key: column and family streams are keyed on the entropy
    return np.random.SeedSequence([*(int(w) for w in root.generate_state(4)), 0xB10C, block])


def family_rng(root: np.random.SeedSequence, family: str) -> np.random.Generator:
    """The stream a model family draws its joint part from (a copula's latent Gaussian),
    apart from every column's own stream."""
    return column_rng(root, "\x00family:" + family)


def column_rng(root: np.random.SeedSequence, name: str) -> np.random.Generator:
    """A stream for one column, keyed by its name so that output does not depend on
    column order: same seed and same name, same values."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    key = tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))
