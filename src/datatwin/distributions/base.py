"""The contract every univariate distribution fulfils, built-in or plug-in.

Modelled on ``scipy.stats``: the public base class owns the API and the argument
checks; each family fills small private hooks (``_fit``, ``_sample``, ``_logpdf``,
``_cdf``, ``_ppf``, ``_from_moments``, ``_check``). One hook feeds several public
methods: ``_logpdf`` gives ``logpdf`` and the log-likelihood, ``_cdf`` gives ``cdf`` and,
where a family has no closed-form ``_ppf``, the quantile function solved numerically.
Parameters are dataclass fields, so a fitted distribution is plain data that serialises
to ``{"name": ..., "parameters": {...}}``.

Data come in as a 1-d numpy array of non-missing values, optionally with integer
``counts`` (one weight per value). Fitting on ``np.unique(x, return_counts=True)``
instead of ``x`` gives the same estimate and is much faster on columns with ties,
which real data nearly always has.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike

from datatwin.distributions.inversion import cdf_from_pmf, continuous_ppf, integer_ppf
from datatwin.distributions.lookup import count_cuts
from datatwin.distributions.moments import Moments
from datatwin.errors import DistributionError, did_you_mean
from datatwin.plugins import Registry

#: Column kinds a distribution can declare support for.
KINDS = ("continuous", "discrete", "categorical", "boolean", "date", "datetime", "time", "string")

ENTRY_POINT_GROUP = "datatwin.distributions"


_SCALAR_TYPES: dict[str, tuple[type, ...]] = {
    "float": (float, int, np.floating, np.integer),
    "int": (int, np.integer),
    "bool": (bool, np.bool_),
    "str": (str,),
}


def _as_counts(values: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    # float64 counts: np.dot of int64 with float64 takes a slow non-BLAS path
    if counts is None:
        return np.ones(len(values), dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != values.shape:
        raise DistributionError(
            f"counts has shape {counts.shape} but values has shape {values.shape}; pass one count per value"
        )
    if np.any(counts < 0):
        raise DistributionError("counts must be non-negative")
    return counts


#: ppf of at least this many quantiles of a whole-number family may use a cdf table ...
_TABLE_MIN_QUANTILES = 4096
#: ... over a support of at most this many whole numbers
_TABLE_MAX_WIDTH = 1 << 20


@dataclasses.dataclass(frozen=True)
class Distribution:
    """Base class of all distributions.

    Subclasses are frozen dataclasses whose fields are the parameters, and set the
    class attributes ``name`` (the identifier in the model file) and ``kinds``
    (the column kinds it can model). Capabilities are declared as class attributes
    (tags), which the conformance checks in :mod:`datatwin.distributions.testing` read.
    """

    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()
    #: False where ``fit`` is not a maximum-likelihood estimate (a histogram with
    #: data-chosen bins); the conformance check then skips the likelihood comparison
    fit_is_maximum_likelihood: ClassVar[bool] = True
    #: False where ``fit(values, counts)`` needs options to work (faker: the provider)
    fittable: ClassVar[bool] = True
    #: False where the values have no order (labels, text, unique keys): ``cdf`` and
    #: ``ppf`` then raise DistributionError
    ordered: ClassVar[bool] = True
    #: True where ``_from_moments`` builds the family from released moments
    estimable_from_moments: ClassVar[bool] = False
    #: True where ``_from_moments`` needs the moments of the logarithms (``log_mean``, ``log_var``)
    needs_log_moments: ClassVar[bool] = False

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            # annotations are text under `from __future__ import annotations`, types otherwise
            type_name = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
            expected = _SCALAR_TYPES.get(type_name)
            if expected is not None and (isinstance(v, bool) and bool not in expected or not isinstance(v, expected)):
                raise DistributionError(
                    f"{self.name}: parameter {f.name!r} must be of type {type_name}. Got {v!r} instead."
                )
            if type_name == "float" and isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                object.__setattr__(self, f.name, float(v))  # JSON writes 3.0 as 3
                v = float(v)
            if isinstance(v, float) and not math.isfinite(v):
                raise DistributionError(f"{self.name}: parameter {f.name!r} must be a finite number. Got {v} instead.")
        self._check()

    # -- hooks for subclasses -------------------------------------------------
    def _check(self) -> None:
        """Validate parameters; raise DistributionError naming the parameter."""

    @classmethod
    def _fit(cls, values: np.ndarray, counts: np.ndarray) -> Distribution:
        raise NotImplementedError(f"{cls.name}: implement _fit, or declare fittable = False")

    def _sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError(f"{self.name}: implement _sample")

    def _logpdf(self, values: np.ndarray) -> np.ndarray:
        """Pointwise log-probability (log-density for continuous families) of a 1-d
        array; ``-inf`` outside the support. The one place a family writes its density."""
        raise NotImplementedError(f"{self.name}: implement _logpdf")

    def _log_likelihood(self, values: np.ndarray, counts: np.ndarray) -> float:
        """Σ counts · logpdf(values). Override only where a closed form over
        sufficient statistics is materially faster, and say so."""
        logp = self._logpdf(values)
        with np.errstate(invalid="ignore"):
            total = float(np.dot(counts, logp))
        if math.isnan(total):  # 0 · -inf: a value with count 0 outside the support adds nothing
            keep = counts > 0
            total = float(np.dot(counts[keep], logp[keep]))
        return total

    def _support(self) -> tuple[float, float]:
        """(lowest, highest) value with positive probability, for the numeric fallbacks."""
        return (-math.inf, math.inf)

    def _cdf(self, x: np.ndarray) -> np.ndarray:
        """P(X <= x) of a 1-d array. Fallback for whole-number families: sums of the pmf."""
        if self._integer_valued():
            return cdf_from_pmf(self._logpdf, x, self._support())
        raise NotImplementedError(f"{self.name}: implement _cdf, or declare ordered = False")

    def _ppf(self, q: np.ndarray) -> np.ndarray:
        """Smallest x with cdf(x) >= q, for q in [0, 1], as values of the sample's dtype.
        Fallback: solved from ``_cdf`` (integer bisection for whole-number families)."""
        if self._integer_valued():
            return integer_ppf(self._cdf, q, self._support())
        if "continuous" in self.kinds:
            return continuous_ppf(self._cdf, q, self._support())
        raise NotImplementedError(f"{self.name}: implement _ppf, or declare ordered = False")

    @classmethod
    def _from_moments(cls, moments: Moments, integer: bool) -> Distribution | None:
        """The family built from released moments; None: cannot be (the default)."""
        return None

    @classmethod
    def _integer_valued(cls) -> bool:
        """Whole-number families (kind ``discrete`` only): the fallbacks search integers."""
        return bool(cls.kinds) and set(cls.kinds) <= {"discrete"}

    # -- public API -------------------------------------------------------------
    @classmethod
    def fit(cls, values: np.ndarray, counts: np.ndarray | None = None, **options: Any) -> Distribution:
        """Estimate the parameters by maximum likelihood (closed form where one exists).

        ``options`` go to families that take them (``criterion`` for the point-mass
        mixture's rest, ``n_bins`` for the empirical histogram). Raises
        DistributionError when the data are outside the family's support.
        """
        values = np.asarray(values)
        if values.ndim != 1 or len(values) == 0:
            raise DistributionError(f"{cls.name}: need a non-empty 1-d array of values to fit")
        return cls._fit(values, _as_counts(values, counts), **options)

    @classmethod
    def from_moments(cls, moments: Moments, integer: bool) -> Distribution | None:
        """The family with parameters built from released ``moments`` (e.g. noisy ones
        under differential privacy), or None where it cannot be built from them (no
        ``_from_moments``, or moments outside its support, such as a log-normal for bounds
        that include negative numbers). ``integer``: the values are whole numbers.

        >>> from datatwin.distributions import Moments, PoissonDistribution
        >>> PoissonDistribution.from_moments(Moments(lower=0, upper=20, mean=3.5, var=3.4), integer=True)
        PoissonDistribution(mu=3.5)
        """
        if not isinstance(moments, Moments):
            raise DistributionError(
                f"{cls.name}: from_moments needs a Moments object. Got {type(moments).__name__} instead."
            )
        return cls._from_moments(moments, bool(integer))

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> np.ndarray:
        """Draw ``n`` values; ``rng`` is a numpy Generator or a seed."""
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise DistributionError(f"{self.name}: the number of values to sample must be an integer >= 0. Got {n!r}.")
        return self._sample(int(n), np.random.default_rng(rng))

    def logpdf(self, values: ArrayLike) -> np.ndarray:
        """Pointwise log-probability (discrete and categorical families) or log-density
        (continuous ones) of each value; ``-inf`` outside the support. Same shape as ``values``."""
        arr = np.asarray(values)
        return np.asarray(self._logpdf(arr.reshape(-1)), dtype=np.float64).reshape(arr.shape)

    def log_likelihood(self, values: np.ndarray, counts: np.ndarray | None = None) -> float:
        """Sum of log-probabilities (log-densities for continuous families)."""
        values = np.asarray(values)
        return float(self._log_likelihood(values, _as_counts(values, counts)))

    def cdf(self, x: ArrayLike) -> np.ndarray:
        """P(X <= x) for each ``x``, given as values of the kind ``sample`` returns
        (numbers, booleans with False < True, numpy datetime64 / timedelta64). Same shape
        as ``x``. Raises DistributionError for a family without an order, or NaN / NaT."""
        self._require_order("cdf")
        arr = np.asarray(x)
        if (arr.dtype.kind == "f" and np.isnan(arr).any()) or (arr.dtype.kind in "Mm" and np.isnat(arr).any()):
            raise DistributionError(f"{self.name}: parameter 'x' of cdf must not hold NaN or NaT")
        return np.asarray(self._cdf(arr.reshape(-1)), dtype=np.float64).reshape(arr.shape)

    def ppf(self, q: ArrayLike) -> np.ndarray:
        """The quantile function: the smallest value ``x`` with ``cdf(x) >= q``, for each
        ``q`` in [0, 1], as values of the dtype ``sample`` returns. ``ppf(U)`` for U uniform
        on (0, 1) has the distribution of ``sample``; ``ppf(0)`` and ``ppf(1)`` are the ends
        of the support (infinite for some continuous families). Same shape as ``q``.

        >>> from datatwin.distributions import NormalDistribution
        >>> NormalDistribution(mu=1.0, sigma=2.0).ppf([0.5])
        array([1.])
        """
        self._require_order("ppf")
        try:
            arr = np.asarray(q, dtype=np.float64)
        except (TypeError, ValueError):
            raise DistributionError(f"{self.name}: parameter 'q' of ppf must be numbers in [0, 1]") from None
        bad = ~((arr >= 0) & (arr <= 1))  # NaN included
        if bad.any():
            raise DistributionError(
                f"{self.name}: parameter 'q' of ppf must be in [0, 1]. Got {arr[bad].flat[0]!r} instead."
            )
        flat = arr.reshape(-1)
        if flat.size >= _TABLE_MIN_QUANTILES and self._whole_numbers():
            table = self._quantile_table(flat)
            if table is not None:
                return table.reshape(arr.shape)
        return np.asarray(self._ppf(flat)).reshape(arr.shape)

    def from_uniforms(self, u: ArrayLike) -> np.ndarray:
        """Values from uniforms ``u`` in [0, 1] by a non-decreasing map, with the distribution
        of ``sample``: what a multivariate family uses to turn its joint draws into values.
        It is :meth:`ppf`, or (where a family overrides ``_from_uniforms``) a cheaper map that
        differs from ``ppf`` only on a set of probability 0, e.g. at a whole-number
        histogram's cell edges."""
        arr = np.asarray(u, dtype=np.float64)
        if arr.size and not (float(arr.min()) >= 0.0 and float(arr.max()) <= 1.0):  # NaN fails both
            return self.ppf(arr)  # ppf's own message names the bad value
        fast = self._from_uniforms(arr.reshape(-1))
        return self.ppf(arr) if fast is None else np.asarray(fast).reshape(arr.shape)

    def _from_uniforms(self, u: np.ndarray) -> np.ndarray | None:
        """A family's cheaper map for :meth:`from_uniforms`; None: use ``ppf``."""
        return None

    def _whole_numbers(self) -> bool:
        """Whether every value is a whole number (so quantiles can come from a cdf table)."""
        return self.kinds == ("discrete",)

    def _quantile_table(self, q: np.ndarray) -> np.ndarray | None:
        """Many quantiles of a whole-number family with a narrow support, exactly and fast:
        the cdf tabulated once over every whole number between the extreme quantiles asked
        for, then one sorted search (the smallest k with cdf(k) >= q, as ``_ppf`` gives).
        None where the support is too wide for a table to pay off."""
        ends = np.asarray(self._ppf(np.array([q.min(), q.max()])), dtype=float)
        if not np.all(np.isfinite(ends)):
            return None
        lo, hi = int(ends[0]), int(ends[1])
        width = hi - lo + 1
        if width > min(_TABLE_MAX_WIDTH, q.size // 4):
            return None
        ks = np.arange(lo, hi + 1, dtype=np.int64)
        f = np.maximum.accumulate(np.asarray(self._cdf(ks), dtype=float))
        sample_dtype = np.asarray(self._ppf(q[:1])).dtype
        return ks[np.minimum(count_cuts(f, q, side="left"), width - 1)].astype(sample_dtype, copy=False)

    def _require_order(self, method: str) -> None:
        if not self.ordered:
            raise DistributionError(
                f"{self.name} has no order: its values ({', '.join(self.kinds)}) cannot be ranked, "
                f"so it has no {method}"
            )

    @property
    def n_parameters(self) -> int:
        """Number of free parameters, used by the information criteria."""
        return len(dataclasses.fields(self))

    def information_criterion(
        self, values: np.ndarray, counts: np.ndarray | None = None, criterion: str = "bic"
    ) -> float:
        """BIC (``k ln n - 2 ln L``) or AIC (``2k - 2 ln L``); lower is better."""
        c = _as_counts(np.asarray(values), counts)
        ll = self.log_likelihood(values, c)
        n = float(c.sum())
        k = self.n_parameters
        if criterion == "bic":
            return k * math.log(max(n, 1.0)) - 2.0 * ll
        if criterion == "aic":
            return 2.0 * k - 2.0 * ll
        raise DistributionError(f"criterion must be 'bic' or 'aic'. Got {criterion!r} instead.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"name", "parameters"}``; nested distributions become dicts too."""
        return {"name": self.name, "parameters": {f.name: _jsonify(getattr(self, f.name)) for f in dataclasses.fields(self)}}

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Distribution:
        """Build from the ``parameters`` mapping of a model file (subclasses may convert types)."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(parameters) - names
        missing = names - set(parameters)
        if unknown or missing:
            parts = []
            if missing:
                parts.append(f"missing {sorted(missing)}")
            if unknown:
                parts.append(f"unknown {sorted(unknown)}")
            raise DistributionError(f"{cls.name}: parameters {', '.join(parts)}; expected exactly {sorted(names)}")
        # a parameter that is itself a distribution (a mixture's rest, free text's lengths)
        # arrives as its {"name", "parameters"} mapping: decode it, as _jsonify encodes it
        nested = {f.name for f in dataclasses.fields(cls) if "Distribution" in str(f.type)}
        parameters = {
            k: distribution_from_dict(v) if k in nested and isinstance(v, dict) else v for k, v in parameters.items()
        }
        try:
            return cls(**parameters)
        except TypeError as exc:  # wrong type handed to a converter in __post_init__
            raise DistributionError(f"{cls.name}: {exc}") from None


def _jsonify(v: Any) -> Any:
    if isinstance(v, Distribution):
        return v.to_dict()
    if isinstance(v, (list, tuple)):
        return [_jsonify(x) for x in v]
    if isinstance(v, np.generic):
        return v.item()
    return v


# -- registry -----------------------------------------------------------------
_PLUGINS: Registry[Distribution] = Registry(ENTRY_POINT_GROUP, Distribution, DistributionError, "distribution")


def register(cls: type[Distribution]) -> type[Distribution]:
    """Class decorator adding a distribution to the registry under ``cls.name``."""
    return _PLUGINS.register(cls)


def get_distribution_class(name: str) -> type[Distribution]:
    """The class registered under ``name`` (built-in or from a plug-in package)."""
    cls = _PLUGINS.find(name)
    if cls is None:
        known = _PLUGINS.all()
        raise DistributionError(f"unknown distribution {name!r}{did_you_mean(name, known)}; known: {', '.join(sorted(known))}")
    return cls


def registered_distributions() -> dict[str, type[Distribution]]:
    """All registered distributions by name."""
    return _PLUGINS.all()


def distribution_from_dict(d: dict[str, Any]) -> Distribution:
    """Inverse of ``Distribution.to_dict``."""
    if not isinstance(d, dict) or "name" not in d:
        raise DistributionError("a distribution must be an object with 'name' and 'parameters'")
    cls = get_distribution_class(d["name"])
    return cls.from_parameters(dict(d.get("parameters") or {}))


def merge_repeats(values: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values with summed counts, for fits that read one count per value.

    Distinct input comes back as given (the common, fast path: callers usually pass
    ``np.unique`` output); otherwise sorted, as ``np.unique`` gives them, or for labels
    that cannot be sorted in order of first appearance.
    """
    if values.dtype.kind == "O":
        keys = values.tolist()
        if len(set(keys)) == len(keys):
            return values, counts
        try:
            distinct, inverse = np.unique(values, return_inverse=True)
            return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct))
        except TypeError:  # e.g. numbers mixed with text
            pass
        index: dict[Any, int] = {}
        inverse = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.intp, count=len(keys))
        distinct = np.empty(len(index), dtype=object)
        distinct[:] = list(index)
        return distinct, np.bincount(inverse, weights=counts, minlength=len(index))
    if len(values) < 2 or bool(np.all(values[1:] > values[:-1])):
        return values, counts
    distinct, inverse = np.unique(values, return_inverse=True)
    if len(distinct) == len(values):
        return values, counts
    return distinct, np.bincount(inverse, weights=counts, minlength=len(distinct))


def weighted_mean_var(values: np.ndarray, counts: np.ndarray) -> tuple[float, float, float]:
    """(n, mean, maximum-likelihood variance) of values weighted by counts."""
    x = values.astype(np.float64, copy=False)
    n = float(counts.sum())
    mean = float(np.dot(counts, x) / n)
    var = float(np.dot(counts, (x - mean) ** 2) / n)
    return n, mean, var


def require_positive(name: str, param: str, value: float) -> None:
    """Raise the standard message for a parameter that must be > 0."""
    if not value > 0:
        raise DistributionError(f"{name}: parameter {param!r} must be > 0. Got {value} instead.")
