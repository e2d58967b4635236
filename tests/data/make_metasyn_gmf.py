"""Regenerate the metasyn GMF fixtures of tests/test_gmf.py with real metasyn.

Run with the interpreter that has metasyn 3.0.0 (never a datatwin dependency):

    benchmarks/.venv-peers/bin/python tests/data/make_metasyn_gmf.py

Each file holds exactly the dict metasyn's ``MetaFrame.save`` writes; only the
whitespace differs (one variable per line instead of metasyn's 4-space indent),
which keeps the fixtures small and their diffs readable.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
ADULT = HERE.parents[2] / "shared" / "datasets" / "adult.csv"


def save(frame: "MetaFrame", name: str) -> None:  # noqa: UP037 - metasyn is imported in main only
    """metasyn's own JSON, rewritten compactly: one variable per line."""
    raw = HERE / name
    frame.save(raw)  # metasyn validates against its JSON Schema here
    gmf = json.loads(raw.read_text(encoding="utf-8"))
    table = gmf["tables"][0]
    head = {k: v for k, v in table.items() if k != "vars"}
    lines = ",\n".join(json.dumps(v, ensure_ascii=False) for v in table["vars"])
    top = {k: v for k, v in gmf.items() if k != "tables"}
    text = json.dumps(top, ensure_ascii=False)[:-1]
    text += ', "tables": [' + json.dumps(head, ensure_ascii=False)[:-1] + ', "vars": [\n' + lines + "\n]}]}\n"
    assert json.loads(text) == gmf
    raw.write_text(text, encoding="utf-8")
    print(f"{name}: {len(text):,} bytes, {len(table['vars'])} variables")


def adult() -> None:
    df = pl.read_csv(ADULT, null_values=["?"])
    df = df.with_columns(pl.col(c).cast(pl.Categorical) for c in df.columns if df[c].dtype == pl.String)
    save(MetaFrame.fit_dataframe(df, progress_bar=False), "metasyn_adult.json")


def kinds() -> None:
    """One variable of every kind datatwin can read, with missing values."""
    rng = np.random.default_rng(7)
    n = 300
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    start = np.datetime64("2021-06-01T00:00:00")
    frame = pl.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "key": np.sort(rng.choice(10 * n, n, replace=False)) + 1000,
            "visits": rng.poisson(3, n),
            "small": pl.Series(rng.integers(-5, 5, n), dtype=pl.Int8),
            "value": rng.normal(50, 10, n),
            "wait": rng.exponential(2.0, n),
            "share": rng.uniform(0, 1, n),
            "day": pl.Series((np.datetime64("2020-01-01") + rng.integers(0, 366, n)).astype("datetime64[D]")).cast(pl.Date),
            "stamp": pl.Series((start + rng.integers(0, 86_400 * 30, n).astype("timedelta64[s]")).astype("datetime64[us]")),
            "stamp_utc": pl.Series(
                (start + rng.integers(0, 60 * 24 * 30, n).astype("timedelta64[m]")).astype("datetime64[us]")
            ).dt.replace_time_zone("UTC"),
            "clock": pl.Series(rng.integers(0, 86_400, n) * 10**9).cast(pl.Time),
            "flag": rng.random(n) < 0.3,
            "colour": pl.Series(rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])).cast(pl.Categorical),
            "code": ["".join(rng.choice(letters, k)) for k in rng.integers(2, 5, n)],
            "fixed": ["same"] * n,
            "empty": pl.Series([None] * n, dtype=pl.Float64),
        }
    )

    def missing(name: str, share: float) -> pl.Expr:
        return pl.when(pl.Series(rng.random(n) < share)).then(None).otherwise(pl.col(name)).alias(name)

    frame = frame.with_columns(missing("value", 0.1), missing("day", 0.2), missing("flag", 0.05))
    specs = [{"name": "key", "distribution": {"unique": True}}, {"name": "code", "distribution": {"unique": False}}]
    save(MetaFrame.fit_dataframe(frame, var_specs=specs, progress_bar=False), "metasyn_kinds.json")


def unsupported() -> None:
    """Variables datatwin cannot read (a structured code, fake names, durations) beside one it can."""
    rng = np.random.default_rng(3)
    n = 200
    frame = pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "case": [f"CASE-{x:04d}" for x in rng.integers(0, 10_000, n)],
            "name": [f"person {i}" for i in range(n)],
            "stay": pl.Series([dt.timedelta(hours=int(h)) for h in rng.integers(1, 200, n)]),
        }
    )
    # license_plate: a Faker method datatwin has no faker provider for
    specs = [{"name": "name", "distribution": {"name": "faker", "parameters": {"faker_type": "license_plate", "locale": "nl_NL"}}}]
    save(MetaFrame.fit_dataframe(frame, var_specs=specs, progress_bar=False), "metasyn_unsupported.json")


def text() -> None:
    """Made-up personal data (core.faker, one of them unique) and free text (core.freetext)."""
    rng = np.random.default_rng(11)
    n = 120
    words = ["the", "patient", "reported", "mild", "pain", "after", "surgery", "and", "was", "sent", "home"]
    frame = pl.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "name": [f"person {i}" for i in range(n)],
            "email": [f"user{i}@example.org" for i in range(n)],
            "remark": [  # one to three sentences of four to nine words
                ". ".join(" ".join(rng.choice(words, k)) for k in rng.integers(4, 10, s)).capitalize() + "."
                for s in rng.integers(1, 4, n)
            ],
        }
    )
    specs = [
        {"name": "name", "distribution": {"name": "faker", "parameters": {"faker_type": "name", "locale": "nl_NL"}}},
        {"name": "email", "distribution": {"name": "faker", "unique": True, "parameters": {"faker_type": "email"}}},
        {"name": "remark", "distribution": {"name": "freetext"}},
    ]
    save(MetaFrame.fit_dataframe(frame, var_specs=specs, progress_bar=False), "metasyn_text.json")


if __name__ == "__main__":
    from metasyn import MetaFrame  # here, not at the top: pytest imports this file without metasyn

    if not ADULT.exists():
        sys.exit(f"missing {ADULT}")
    adult()
    kinds()
    unsupported()
    text()
