"""Find the :class:`~datatwin.prepare.textformat.TextFormat` of a text column, and decide
what fitting does with it (the owner's ``text_format`` and ``unparsed`` options).

Detection runs on every text column, so it starts cheap: a sample of at most
``SAMPLE_SIZE`` distinct values, a regex gate (no digits: not a date or number), then a
handful of representative values (one per character shape, e.g. ``99/99/9999``) pick the
candidate patterns worth parsing. Only the winner is confirmed on the whole column.

Rules a user relies on (see ``docs/spec.md``):

- ``dd/mm/yyyy`` and ``mm/dd/yyyy``: the one that parses every value wins; when both do
  (no day above 12 anywhere), day-first wins. Set ``text_format`` to say otherwise.
- A number needs evidence: a decimal mark, a thousands separator, or a currency or percent
  sign. Plain digits (``"12345"``) and leading zeros (``"00123"``) are codes: left as text.
- A lone mark followed by three digits (``"1,234"``, ``"1.234"``) is ambiguous: ``,`` is read
  as a thousands separator and ``.`` as a decimal mark, unless another value settles it.
- A format that fits fewer than ``MIN_SHARE`` of the values is not reported at all.

>>> import polars as pl
>>> found = detect_text_format(pl.Series(["23/11/2026", "01/02/2026", "31/12/2025"]))
>>> found.format.pattern, found.share
('%d/%m/%Y', 1.0)
"""

from __future__ import annotations

import dataclasses
import functools
import re
import zoneinfo

import polars as pl

from datatwin.prepare.textformat import (
    NUMBER_KINDS,
    TEMPORAL_KINDS,
    TEXT_FORMAT_KINDS,
    THOUSANDS_SEPARATORS,
    NumberParts,
    TextFormat,
    has_offset,
    number_pattern,
)

#: distinct values looked at before the whole column is parsed
SAMPLE_SIZE = 1000
#: a format must fit at least this share of the sample (and of the column) to be reported
MIN_SHARE = 0.5
#: how many differently shaped values choose the candidate patterns
_REPRESENTATIVES = 8

_DATE_PARTS = (
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%d.%m.%Y",
    "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d %b %Y", "%d-%b-%Y", "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
)
_TIME_PARTS = ("%H:%M", "%H:%M:%S", "%H:%M:%S%.f", "%I:%M %p", "%I:%M:%S %p")
_ISO_ZONES = ("", "Z", "%z", "%:z", " %z")
_CODE_REGEX = {
    "Y": "[0-9]{4}", "y": "[0-9]{2}", "m": "[0-9]{1,2}", "d": "[0-9]{1,2}", "H": "[0-9]{1,2}", "I": "[0-9]{1,2}",
    "M": "[0-9]{2}", "S": "[0-9]{2}", "b": "[A-Za-z]{3}", "B": "[A-Za-z]{3,9}", "p": "[AaPp][Mm]",
    "z": "[+-][0-9]{4}", ":z": "[+-][0-9]{2}:[0-9]{2}", ".f": r"\.[0-9]{1,9}",
}
# prefixes/suffixes a number may carry: a currency or percent sign, or a currency code before/after a space
_SYMBOLS = "$€£¥₹₩¢%‰"
_PREFIX_OK = re.compile(rf"^(?:[{_SYMBOLS}] ?|[A-Z]{{3}} )?$")
_SUFFIX_OK = re.compile(rf"^(?: ?[{_SYMBOLS}]| [A-Z]{{3}})?$")
#: zones tried first when offsets vary (daylight saving time); then every other zone, sorted
_PREFERRED_ZONES = (
    "Europe/London", "Europe/Paris", "Europe/Helsinki", "Europe/Moscow", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles", "America/Sao_Paulo", "Australia/Sydney", "Pacific/Auckland",
)
_PAD_TOGGLES = (("%d", "%-d"), ("%m", "%-m"), ("%H", "%-H"), ("%I", "%-I"), ("%p", "%P"))
_FRACTIONS = ("%.3f", "%.6f", "%.9f", "%.f")  # fixed widths first; chrono's %.f writes 0, 3, 6 or 9 digits


def _candidate_patterns() -> list[tuple[str, str]]:
    """(kind, pattern) in preference order: dates, then datetimes, then times."""
    out = [("date", d) for d in _DATE_PARTS]
    for d in _DATE_PARTS:
        iso = d == "%Y-%m-%d"
        for sep in ("T", " ") if iso else (" ",):
            for t in _TIME_PARTS:
                for z in _ISO_ZONES if iso else ("",):
                    out.append(("datetime", f"{d}{sep}{t}{z}"))
    out += [("time", t) for t in _TIME_PARTS]
    return out


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts, pos = [], 0
    for m in re.finditer(r"%(\.f|:z|[A-Za-z])", pattern):
        parts.append(re.escape(pattern[pos : m.start()]))
        parts.append(_CODE_REGEX[m.group(1)])
        pos = m.end()
    parts.append(re.escape(pattern[pos:]))
    return re.compile("".join(parts))


@functools.lru_cache(maxsize=1)
def _compiled_candidates() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(kind, p, _pattern_regex(p)) for kind, p in _candidate_patterns()]


@dataclasses.dataclass(frozen=True)
class DetectedFormat:
    """A format found in a text column and how much of the column it explains.

    ``n_values`` non-missing values were parsed with ``format``; ``n_failed`` of them did not
    fit it. ``others`` are patterns the failing values look like (for the message).
    """

    format: TextFormat
    n_values: int
    n_failed: int
    others: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        """Share of the non-missing values that parse."""
        return 1.0 - self.n_failed / self.n_values if self.n_values else 0.0

    def reason(self) -> str:
        """Why a column that mostly fits the format stays text, with what to do."""
        ok = percent(self.share)
        rest = f"{percent(1 - self.share)} ({self.n_failed} value(s)) do not"
        if self.others:
            rest += f"; they look like {' or '.join(self.others)}"
        return (
            f"{ok} of values parse as {self.format.pattern}, {rest}; left as text: set unparsed = \"missing\" "
            f"in the spec to model it as {self.format.kind} and treat the rest as missing"
        )


def percent(share: float) -> str:
    """A share as a percentage that never rounds a failure away (99.9%, not 100%)."""
    pct = round(100 * share)
    if pct in (0, 100) and 0 < share < 1:  # never say 100% when a value failed
        return f"{100 * share:.1f}%"
    return f"{pct}%"


def detect_text_format(
    series: pl.Series, kinds: tuple[str, ...] = TEXT_FORMAT_KINDS, sample_size: int = SAMPLE_SIZE
) -> DetectedFormat | None:
    """The date, datetime, time or number format of a text column, or None.

    Parameters
    ----------
    series
        A String column; missing values are ignored.
    kinds
        Which kinds to look for (default: all of ``date``, ``datetime``, ``time``,
        ``continuous``, ``discrete``).
    sample_size
        How many distinct values choose the format before the whole column confirms it.

    Returns
    -------
    DetectedFormat or None
        None when no format fits at least ``MIN_SHARE`` of the values.
    """
    values = series.drop_nulls()
    if values.dtype != pl.String or len(values) == 0:
        return None
    rows = _row_sample(values, sample_size)
    # the gate: dates and numbers are short and hold a digit; names and free text mostly do not
    if (rows.str.contains("[0-9]") & (rows.str.len_chars() <= 64)).mean() < MIN_SHARE:
        return None
    sample = rows.unique(maintain_order=True)
    candidates = _temporal_candidates(sample, kinds)
    if set(kinds) & set(NUMBER_KINDS):
        number = _number_candidate(sample)
        if number is not None:
            candidates.append(number)
    best, best_share = None, 0.0
    for fmt in candidates:
        share = 1.0 - fmt.parse(rows).null_count() / len(rows)  # rows, not distinct values: shares of the column
        if share > best_share:  # ties keep the earlier, preferred candidate (day-first, dates first)
            best, best_share = fmt, share
    if best is None or best_share < MIN_SHARE:
        return None
    best_parsed = best.parse(sample)
    best = _refine(best, sample, best_parsed)
    n_failed = best.parse(values).null_count()
    if 1.0 - n_failed / len(values) < MIN_SHARE:
        return None
    others: tuple[str, ...] = ()
    if n_failed:
        failing = sample.filter(best_parsed.is_null())
        others = tuple(f.pattern for f in candidates if f is not best and f.parse(failing).null_count() < len(failing))
    return DetectedFormat(best, len(values), n_failed, others[:3])


def _row_sample(values: pl.Series, size: int) -> pl.Series:
    """About ``size`` rows: the head and an even stride over the column, cheap and deterministic."""
    if len(values) <= size:
        return values
    stride = max(1, len(values) // (size // 2))
    return pl.concat([values.head(size // 2), values.gather_every(stride)])


def _temporal_candidates(sample: pl.Series, kinds: tuple[str, ...]) -> list[TextFormat]:
    """Built-in patterns matching one of a few representative values (one per shape)."""
    wanted = set(kinds) & set(TEMPORAL_KINDS)
    if not wanted:
        return []
    shape = sample.str.replace_all("[0-9]", "9").str.replace_all("[A-Za-z]", "a")
    reps = (
        pl.DataFrame({"v": sample, "shape": shape})
        .group_by("shape", maintain_order=True)
        .agg(pl.col("v").first(), pl.len())
        .sort("len", descending=True, maintain_order=True)
        .head(_REPRESENTATIVES)["v"]
        .to_list()
    )
    unit = "ns" if sample.str.contains(r"[0-9]{2}:[0-9]{2}\.[0-9]{7}").any() else "us"
    return [
        TextFormat.from_pattern(pattern, time_unit=unit)
        for kind, pattern, regex in _compiled_candidates()
        if kind in wanted and any(regex.fullmatch(v) for v in reps)
    ]


def _number_candidate(sample: pl.Series) -> TextFormat | None:
    """The number format the sample shows evidence of, or None (plain digits are codes)."""
    prefix = sample.str.extract(r"^([^0-9-]*)", 1)
    suffix = sample.str.extract(r"([^0-9]*)$", 1)
    affixes = pl.DataFrame({"p": prefix, "s": suffix}).group_by("p", "s").len().sort("len", descending=True, maintain_order=True)
    pre, suf = affixes["p"][0] or "", affixes["s"][0] or ""
    if not (_PREFIX_OK.match(pre) and _SUFFIX_OK.match(suf)):
        return None
    core = sample.filter((prefix == pre) & (suffix == suf)).str.strip_prefix(pre).str.strip_suffix(suf)
    core = core.filter(core.str.contains(r"^-?[0-9][0-9.,' \u00a0\u202f]*$"))
    if len(core) == 0:
        return None
    decimal = _decimal_mark(core)
    seps = [t for t in THOUSANDS_SEPARATORS if t != decimal]
    used = {t: int(core.str.contains(re.escape(t)).sum()) for t in seps}
    thousands = max(seps, key=lambda t: used[t]) if max(used.values()) else ""
    frac = core.str.extract(rf"{re.escape(decimal)}([0-9]+)$", 1).str.len_chars()
    decimals = int(frac.max() or 0)
    symbol = any(c in _SYMBOLS for c in pre + suf)
    if not (thousands or decimals or symbol):
        return None  # plain digits: a code (zip code, id), not a quantity
    return TextFormat.from_pattern(number_pattern(NumberParts(pre, thousands, decimal, decimals, True, suf)))


def _decimal_mark(core: pl.Series) -> str:
    """'.' or ',' from the values that settle it; a lone mark before 3 digits does not."""
    dots, commas = core.str.count_matches(".", literal=True), core.str.count_matches(",", literal=True)
    last = core.str.extract(r"([.,])[0-9]*$", 1)
    after = core.str.extract(r"[.,]([0-9]*)$", 1).str.len_chars()
    both = (dots > 0) & (commas > 0)
    lone = (after != 3) & ((dots + commas) == 1)
    votes_dot = (both & (last == ".")) | ((commas >= 2) & (dots == 0)) | (lone & (dots == 1))
    votes_comma = (both & (last == ",")) | ((dots >= 2) & (commas == 0)) | (lone & (commas == 1))
    n_dot, n_comma = int(votes_dot.sum()), int(votes_comma.sum())
    if n_dot or n_comma:
        return "." if n_dot >= n_comma else ","
    return "."  # only "1,234" or "1.234" shapes: ',' groups thousands, '.' marks decimals


def _refine(fmt: TextFormat, sample: pl.Series, parsed: pl.Series) -> TextFormat:
    """The variant of ``fmt`` whose text matches the sample exactly most often: padding
    (``%d`` or ``%-d``), fraction digits, fixed or trimmed decimals, and the time zone."""
    ok = parsed.is_not_null()
    sample, parsed = sample.filter(ok), parsed.filter(ok)
    if fmt.kind in NUMBER_KINDS:
        p = fmt.numbers
        if not p.decimals:
            return fmt
        variants = [fmt, TextFormat.from_pattern(number_pattern(dataclasses.replace(p, fixed=False)))]
        return max(variants, key=lambda f: _round_trips(f, sample, parsed))
    zone = time_zone_of(sample, parsed) if has_offset(fmt.pattern) else None
    best = dataclasses.replace(fmt, time_zone=zone)
    score = _round_trips(best, sample, parsed)
    if "%.f" in best.pattern:
        options = [dataclasses.replace(best, pattern=best.pattern.replace("%.f", f)) for f in _FRACTIONS]
        best = max(options, key=lambda f: _round_trips(f, sample, parsed))
        score = _round_trips(best, sample, parsed)
    base = best
    present = [(padded, bare) for padded, bare in _PAD_TOGGLES if padded in base.pattern]
    for mask in range(1, 2 ** len(present)):  # every combination: '3/1/2026 9:05' needs three at once
        pattern = base.pattern
        for i, (padded, bare) in enumerate(present):
            if mask >> i & 1:
                pattern = pattern.replace(padded, bare)
        other = dataclasses.replace(base, pattern=pattern)
        other_score = _round_trips(other, sample, parsed)
        if other_score > score:
            best, score = other, other_score
    return best


def _round_trips(fmt: TextFormat, text: pl.Series, parsed: pl.Series) -> int:
    return int((fmt.render(parsed) == text).sum())


def time_zone_of(text: pl.Series, parsed: pl.Series) -> str:
    """The offset all values share, or the IANA zone their changing offsets follow (daylight
    saving time), or, failing both, the most common offset (instants stay right)."""
    raw = text.str.extract(r"([+-][0-9]{2}:?[0-9]{2})$", 1)
    offsets = raw.str.slice(0, 3) + ":" + raw.str.slice(-2, 2)
    name = offsets.name
    counts = offsets.value_counts().sort(["count", name], descending=[True, False])  # ties: same file every time
    if len(counts) == 1:
        return counts[name][0]
    probe = parsed.head(200)
    want = offsets.head(200)
    first = probe[0]
    for zone in _zones_in_order():
        if first.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%z") != want[0].replace(":", ""):
            continue  # cheap pre-check on one value before the vectorised one
        if (probe.dt.convert_time_zone(zone).dt.strftime("%:z") == want).all() and (
            parsed.dt.convert_time_zone(zone).dt.strftime("%:z") == offsets
        ).all():
            return zone
    return counts[name][0]


@functools.lru_cache(maxsize=1)
def _zones_in_order() -> tuple[str, ...]:
    rest = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return _PREFERRED_ZONES + tuple(z for z in rest if z not in _PREFERRED_ZONES)
