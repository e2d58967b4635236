"""Dates, times and numbers written as text: one format, parsed to a typed column and
rendered back to text in the same format, so synthetic text is a drop-in replacement.

A :class:`TextFormat` is plain data (kind, pattern, parsed dtype, time zone) and serialises
to the model file's ``text_format`` entry. Temporal patterns are strftime patterns as polars
(chrono) reads and writes them (``%d/%m/%Y``, ``%Y-%m-%dT%H:%M:%S%:z``). Number patterns use
the spreadsheet/ICU notation: ``#,##0.00`` (thousands separator ``,``, decimal mark ``.``,
exactly 2 decimals), ``#.##0,##`` (up to 2 decimals, trailing zeros dropped), ``0``
(integers, no separator), with literal currency or percent text before or after
(``$#,##0.00``, ``0.0 %``). Detection lives in :mod:`datatwin.prepare.textdetect`.

>>> import polars as pl
>>> fmt = TextFormat.from_pattern("#,##0.00")
>>> fmt.kind, fmt.dtype
('continuous', 'Float64')
>>> fmt.render(fmt.parse(pl.Series(["1,234.50", "-0.25", "12"]))).to_list()
['1,234.50', '-0.25', '12.00']
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import re
import zoneinfo
from typing import Any

import polars as pl

from datatwin.errors import SpecError
from datatwin.schema import dtype_from_str

TEMPORAL_KINDS = ("date", "datetime", "time")
NUMBER_KINDS = ("continuous", "discrete")
TEXT_FORMAT_KINDS = TEMPORAL_KINDS + NUMBER_KINDS

#: thousands separators a number pattern may use (space, no-break and narrow no-break space, apostrophe)
THOUSANDS_SEPARATORS = (",", ".", " ", "\u00a0", "\u202f", "'")
DECIMAL_MARKS = (".", ",")

# one strftime directive: optional padding flag, then the code (%.3f, %:z, %d, %%)
_DIRECTIVE = re.compile(r"%([-_0]?)(\.\d?f|:z|[A-Za-z%])")
_DATE_CODES = frozenset("YyCmbBhdejaAuwUWGgVDF")
_TIME_CODES = frozenset("HIklMSpPRTXf") | {".f", ".3f", ".6f", ".9f"}
_ZONE_CODES = frozenset({"z", ":z"})
_FIXED_OFFSET = re.compile(r"^[+-](\d{2}):(\d{2})$")
_NUMBER_PATTERN = re.compile(
    r"^(?P<prefix>[^0-9#]*?)(?:#(?P<t>[^0-9#])##0|0)(?:(?P<d>[.,])(?P<frac>0+|#+))?(?P<suffix>[^0-9#]*)$"
)
#: largest whole part rendered (Int64 range); a draw beyond it is written as this
_MAX_WHOLE = 9.0e18
#: a formatted integer part is padded to this many digits (7 groups of 3) before grouping
_GROUP_WIDTH = 21


@dataclasses.dataclass(frozen=True)
class NumberParts:
    """The pieces of a number pattern such as ``$#,##0.00``."""

    prefix: str
    thousands: str  # "" when digits are not grouped
    decimal: str
    decimals: int  # digits after the decimal mark (at most, when not ``fixed``)
    fixed: bool  # True: always ``decimals`` digits; False: trailing zeros dropped
    suffix: str


@functools.lru_cache(maxsize=256)
def number_parts(pattern: str) -> NumberParts:
    """Split a number pattern; raises SpecError (naming the pattern) when it is not one."""
    m = _NUMBER_PATTERN.match(pattern)
    if m is None:
        raise SpecError(
            f"text_format {pattern!r} is neither a strftime pattern (with %) nor a number pattern "
            "like '0', '0.00', '#,##0.00', '#.##0,##' or '$#,##0.00'"
        )
    t, d, frac = m.group("t") or "", m.group("d") or ".", m.group("frac") or ""
    if t and t not in THOUSANDS_SEPARATORS:
        raise SpecError(
            f"text_format {pattern!r}: thousands separator {t!r} is not one of {list(THOUSANDS_SEPARATORS)}"
        )
    if t and t == d and frac:
        raise SpecError(f"text_format {pattern!r}: the thousands separator and the decimal mark are both {t!r}")
    return NumberParts(m.group("prefix"), t, d, len(frac), frac.startswith("0"), m.group("suffix"))


def number_pattern(parts: NumberParts) -> str:
    """Inverse of :func:`number_parts`."""
    whole = f"#{parts.thousands}##0" if parts.thousands else "0"
    frac = (parts.decimal + ("0" if parts.fixed else "#") * parts.decimals) if parts.decimals else ""
    return parts.prefix + whole + frac + parts.suffix


def directives(pattern: str) -> list[str]:
    """The directive codes of a strftime pattern, without padding flags: ``['d', 'm', 'Y']``.
    A number pattern has none (a lone ``%`` is a literal percent sign)."""
    return [m.group(2) for m in _DIRECTIVE.finditer(pattern) if m.group(2) != "%"]


def temporal_kind(pattern: str) -> str:
    """``date``, ``datetime`` or ``time``, from the directives a strftime pattern holds."""
    codes = set(directives(pattern))
    unknown = codes - _DATE_CODES - _TIME_CODES - _ZONE_CODES
    if unknown:
        raise SpecError(
            f"text_format {pattern!r}: directive(s) {sorted('%' + c for c in unknown)} are not supported; "
            "use date (%Y %m %d %b %B %y), time (%H %I %M %S %.f %p) and zone (%z %:z) directives"
        )
    has_date, has_time = bool(codes & _DATE_CODES), bool(codes & _TIME_CODES)
    if has_date and has_time:
        return "datetime"
    if codes & _ZONE_CODES or _literal_utc(pattern):
        raise SpecError(f"text_format {pattern!r}: a time zone needs both a date and a time in the pattern")
    if has_date:
        return "date"
    if has_time:
        return "time"
    raise SpecError(f"text_format {pattern!r} has no date or time directive (such as %Y, %m, %d, %H, %M)")


def has_offset(pattern: str) -> bool:
    """Whether a strftime pattern writes a UTC offset (``%z`` or ``%:z``)."""
    return bool(set(directives(pattern)) & _ZONE_CODES)


def _literal_utc(pattern: str) -> bool:
    """A pattern ending in a literal ``Z`` (``...%SZ``) writes UTC instants."""
    return pattern.endswith("Z") and not pattern.endswith("%Z")


def _zoned(pattern: str) -> bool:
    return has_offset(pattern) or _literal_utc(pattern)


@functools.lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _for_parsing(pattern: str) -> str:
    # chrono reads '%.3f' as exactly 3 digits; '%.f' reads any number, and the render checks the rest
    return re.sub(r"%\.\df", "%.f", pattern)


@dataclasses.dataclass(frozen=True)
class TextFormat:
    """How a text column writes dates, datetimes, times or numbers.

    Parameters
    ----------
    kind
        ``"date"``, ``"datetime"``, ``"time"``, ``"continuous"`` or ``"discrete"``: what the
        text holds, as parsed.
    pattern
        strftime pattern for temporal kinds (``%d/%m/%Y``), number pattern otherwise
        (``#,##0.00``); see the module docstring.
    dtype
        The polars dtype the text parses to, as :func:`datatwin.schema.dtype_to_str` writes it:
        ``Date``, ``Time``, ``Datetime[us]``, ``Datetime[us, UTC]`` (a pattern with a zone),
        ``Float64`` or ``Int64``.
    time_zone
        Only for patterns with ``%z``/``%:z``: the offsets written back, a fixed offset
        (``"+01:00"``) or an IANA zone whose offsets the text follows (``"Europe/Amsterdam"``).
        Default ``"+00:00"``.
    """

    kind: str
    pattern: str
    dtype: str
    time_zone: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in TEXT_FORMAT_KINDS:
            raise SpecError(f"text_format kind must be one of {list(TEXT_FORMAT_KINDS)}. Got {self.kind!r}.")
        if not isinstance(self.pattern, str) or not self.pattern:
            raise SpecError(f"text_format pattern must be non-empty text. Got {self.pattern!r}.")
        expected = self._expected_dtypes()
        if self.dtype not in expected:
            raise SpecError(
                f"text_format {self.pattern!r} of kind {self.kind!r} parses to {' or '.join(expected)}, "
                f"not {self.dtype!r}"
            )
        if self.time_zone is not None:
            if not (self.kind == "datetime" and has_offset(self.pattern)):
                raise SpecError(f"text_format {self.pattern!r}: time_zone is only for patterns with %z or %:z")
            if not _FIXED_OFFSET.match(self.time_zone) and self.time_zone not in _zone_names():
                raise SpecError(
                    f"text_format time_zone must be an offset like '+01:00' or a zone like 'Europe/Amsterdam'. "
                    f"Got {self.time_zone!r}."
                )

    def _expected_dtypes(self) -> list[str]:
        if self.kind in NUMBER_KINDS:
            parts = number_parts(self.pattern)
            kind = "continuous" if parts.decimals else "discrete"
            if kind != self.kind:
                raise SpecError(
                    f"text_format {self.pattern!r} holds {'decimals' if parts.decimals else 'whole numbers'}: "
                    f"its kind is {kind!r}, not {self.kind!r}"
                )
            return ["Float64" if parts.decimals else "Int64"]
        kind = temporal_kind(self.pattern)
        if kind != self.kind:
            raise SpecError(f"text_format {self.pattern!r} is a {kind} pattern, not a {self.kind} one")
        if kind != "datetime":
            return ["Date" if kind == "date" else "Time"]
        zone = ", UTC" if _zoned(self.pattern) else ""
        return [f"Datetime[{unit}{zone}]" for unit in ("us", "ns", "ms")]

    # -- construction -------------------------------------------------------------
    @classmethod
    def from_pattern(cls, pattern: str, time_zone: str | None = None, time_unit: str = "us") -> TextFormat:
        """The format of a pattern; its kind and dtype follow from it.

        >>> TextFormat.from_pattern("%d/%m/%Y").dtype
        'Date'
        >>> TextFormat.from_pattern("%Y-%m-%dT%H:%M:%S%:z", time_zone="+01:00").dtype
        'Datetime[us, UTC]'
        """
        if not isinstance(pattern, str) or not pattern:
            raise SpecError(f"text_format must be a non-empty pattern. Got {pattern!r}.")
        if not directives(pattern):  # '0.0 %' is a number pattern with a literal percent sign
            parts = number_parts(pattern)
            return cls("continuous" if parts.decimals else "discrete", pattern, "Float64" if parts.decimals else "Int64")
        kind = temporal_kind(pattern)
        if kind == "datetime":
            dtype = f"Datetime[{time_unit}, UTC]" if _zoned(pattern) else f"Datetime[{time_unit}]"
        else:
            dtype = "Date" if kind == "date" else "Time"
        fmt = cls(kind, pattern, dtype, time_zone)
        fmt._check_renders()
        return fmt

    def _check_renders(self) -> None:
        """chrono refuses some patterns only when it writes them: try once on a fixed value."""
        probe = pl.Series([_dt.datetime(2001, 2, 3, 4, 5, 6, 789000)]).cast(self.polars_dtype)
        try:
            self.render(probe)
        except pl.exceptions.PolarsError:
            raise SpecError(f"text_format {self.pattern!r} cannot be written by polars (strftime); check the directives") from None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"kind": self.kind, "pattern": self.pattern, "dtype": self.dtype}
        if self.time_zone is not None:
            d["time_zone"] = self.time_zone
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TextFormat:
        """Inverse of :meth:`to_dict`; raises SpecError naming the bad field."""
        unknown = set(d) - {"kind", "pattern", "dtype", "time_zone"}
        if unknown:
            raise SpecError(f"text_format has unknown key(s) {sorted(unknown)}")
        missing = {"kind", "pattern", "dtype"} - set(d)
        if missing:
            raise SpecError(f"text_format misses key(s) {sorted(missing)}")
        fmt = cls(d["kind"], d["pattern"], d["dtype"], d.get("time_zone"))
        if fmt.kind in TEMPORAL_KINDS:
            fmt._check_renders()
        return fmt

    @property
    def polars_dtype(self) -> pl.DataType:
        return dtype_from_str(self.dtype)

    @property
    def numbers(self) -> NumberParts:
        """Separator, decimal mark, decimals and affixes of a number format."""
        if self.kind not in NUMBER_KINDS:
            raise AttributeError(f"a {self.kind} format has no number parts")
        return number_parts(self.pattern)

    # -- text -> typed ------------------------------------------------------------
    def parse(self, series: pl.Series) -> pl.Series:
        """Text -> values of :attr:`dtype`; text that does not fit the format becomes null."""
        if series.dtype != pl.String:
            series = series.cast(pl.String)
        out = self._parse_number(series) if self.kind in NUMBER_KINDS else self._parse_temporal(series)
        return out.alias(series.name)

    def _parse_temporal(self, series: pl.Series) -> pl.Series:
        pattern = _for_parsing(self.pattern)
        dtype = self.polars_dtype
        if self.kind != "datetime":
            return series.str.strptime(dtype, pattern, strict=False)
        out = series.str.to_datetime(pattern, time_unit=dtype.time_unit, strict=False)
        if dtype.time_zone and out.dtype.time_zone is None:  # a literal Z: the text is UTC
            out = out.dt.replace_time_zone("UTC")
        return out

    def number_regex(self) -> str:
        """The regular expression a value must match to parse (digits ASCII only)."""
        p = self.numbers
        if p.thousands:
            whole = rf"(?:0|[1-9][0-9]{{0,2}}(?:{re.escape(p.thousands)}[0-9]{{3}})+|[1-9][0-9]*)"
        else:
            whole = r"(?:0|[1-9][0-9]*)"
        frac = rf"(?:{re.escape(p.decimal)}[0-9]+)?" if p.decimals else ""
        return rf"^{re.escape(p.prefix)}-?{whole}{frac}{re.escape(p.suffix)}$"

    def _parse_number(self, series: pl.Series) -> pl.Series:
        p = self.numbers
        core = series.str.strip_prefix(p.prefix).str.strip_suffix(p.suffix)
        if p.thousands:
            core = core.str.replace_all(p.thousands, "", literal=True)
        if p.decimals and p.decimal != ".":
            core = core.str.replace(p.decimal, ".", literal=True)
        # a leading zero ("007") is a code, not a number: the regex refuses it
        fits = series.str.contains(self.number_regex())
        value = core.cast(self.polars_dtype, strict=False)
        return pl.select(pl.when(fits).then(value).otherwise(None)).to_series()

    # -- typed -> text ------------------------------------------------------------
    def render(self, series: pl.Series) -> pl.Series:
        """Values -> text in this format (nulls stay null)."""
        out = self._render_number(series) if self.kind in NUMBER_KINDS else self._render_temporal(series)
        return out.alias(series.name)

    def _render_temporal(self, series: pl.Series) -> pl.Series:
        dtype = self.polars_dtype
        if series.dtype != dtype:
            series = series.cast(dtype)
        if self.kind != "datetime" or not dtype.time_zone:
            return series.dt.strftime(self.pattern)
        utc = series.dt.convert_time_zone("UTC")
        zone = self.time_zone or "+00:00"
        fixed = _FIXED_OFFSET.match(zone)
        if fixed is None:
            return utc.dt.convert_time_zone(zone).dt.strftime(self.pattern)
        # polars has no fixed-offset zones: shift to local wall time, write the offset as literal text
        sign = -1 if zone.startswith("-") else 1
        minutes = sign * (int(fixed.group(1)) * 60 + int(fixed.group(2)))
        local = utc.dt.replace_time_zone(None) + _dt.timedelta(minutes=minutes)
        literal = self.pattern.replace("%:z", zone).replace("%z", zone.replace(":", ""))
        return local.dt.strftime(literal)

    def _render_number(self, series: pl.Series) -> pl.Series:
        p = self.numbers
        scale = 10**p.decimals
        v = pl.col("v")
        if series.dtype.is_integer():
            whole, frac = v.cast(pl.Int64).abs(), pl.lit(0, dtype=pl.Int64)
        else:
            # whole part and fraction apart: scaling first would spend the float's 16 digits on the whole part
            a = v.cast(pl.Float64).abs()
            w = a.floor()
            f = ((a - w) * scale).round(0)
            carry = f >= scale  # 0.999 with 2 decimals is 1.00
            whole = (w + carry.cast(pl.Float64)).clip(upper_bound=_MAX_WHOLE).cast(pl.Int64, strict=False)
            frac = pl.when(carry).then(0).otherwise(f).cast(pl.Int64, strict=False)
        frame = pl.DataFrame({"v": series}).select(v, whole.alias("whole"), frac.alias("frac"))
        w, f = pl.col("whole"), pl.col("frac")
        text = w.cast(pl.String)
        if p.thousands:
            padded = text.str.zfill(_GROUP_WIDTH)
            groups = [padded.str.slice(i, 3) for i in range(0, _GROUP_WIDTH, 3)]
            grouped = pl.concat_str(groups, separator=p.thousands).str.strip_chars_start("0" + p.thousands)
            text = pl.when(w == 0).then(pl.lit("0")).otherwise(grouped)
        if p.decimals:
            digits = f.cast(pl.String).str.zfill(p.decimals)
            if p.fixed:
                text = pl.concat_str([text, pl.lit(p.decimal), digits])
            else:
                digits = digits.str.strip_chars_end("0")
                text = pl.when(digits == "").then(text).otherwise(pl.concat_str([text, pl.lit(p.decimal), digits]))
        sign = pl.when((v < 0) & ((w > 0) | (f > 0))).then(pl.lit("-")).otherwise(pl.lit(""))
        out = pl.concat_str([pl.lit(p.prefix), sign, text, pl.lit(p.suffix)])
        return frame.select(pl.when(w.is_null()).then(None).otherwise(out)).to_series()
