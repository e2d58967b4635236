"""pandas in, pandas out: sample(output="pandas") keeps nullable dtypes, needs no pyarrow,
and polars' own to_pandas() works on the base install (pyarrow is a dependency)."""

from __future__ import annotations

import datetime as dt_
import subprocess
import sys
from importlib.metadata import requires

import pandas as pd
import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def pandas_frame() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            "count": pd.array([1, None, 3, 4] * (n // 4), dtype="Int64"),
            "flag": pd.array([True, False, None, True] * (n // 4), dtype="boolean"),
            "name": pd.array(["x", None, "y", "x"] * (n // 4), dtype="string"),
            "colour": pd.Categorical(["red", "blue", "red", "green"] * (n // 4)),
            "when": pd.date_range("2024-03-01", periods=n, freq="13h", tz="Europe/Amsterdam"),
            "value": [1.5, 2.5, None, 3.25] * (n // 4),
        }
    )


def test_sample_as_pandas_keeps_nullable_dtypes(pandas_frame: pd.DataFrame) -> None:
    model = dt.fit(pandas_frame, spec={"rare_threshold": 1, "columns": {"when": {"unique": False}}})
    synth = model.sample(500, seed=3, output="pandas")
    assert isinstance(synth, pd.DataFrame) and list(synth.columns) == list(pandas_frame.columns)
    assert {name: str(t) for name, t in synth.dtypes.items()} == {
        "count": "Int64", "flag": "boolean", "name": "string", "colour": "category",
        "when": "datetime64[us, Europe/Amsterdam]", "value": "Float64",
    }
    assert synth["count"].isna().any() and synth["name"].isna().any()  # missing values are pd.NA, not NaN
    assert synth["count"].dropna().isin([1, 3, 4]).all()
    same = model.sample(500, seed=3)  # the same rows as the polars sample
    assert isinstance(same, pl.DataFrame)
    assert synth["count"].astype("Float64").fillna(-1).tolist() == same["count"].fill_null(-1).to_list()
    assert synth["when"].dt.tz_convert("UTC").dt.tz_localize(None).tolist()[:5] == [
        pd.Timestamp(v) for v in same["when"].dt.convert_time_zone("UTC").dt.replace_time_zone(None).to_list()[:5]
    ]


def test_summary_as_pandas(pandas_frame: pd.DataFrame) -> None:
    summary = dt.fit(pandas_frame).summary(output="pandas")
    assert isinstance(summary, pd.DataFrame) and summary["column"].tolist() == list(pandas_frame.columns)


def test_enum_categories_and_dates() -> None:
    frame = pl.DataFrame({
        "level": pl.Series(["lo", "hi", "lo", "lo"] * 10, dtype=pl.Enum(["lo", "hi", "max"])),
        "day": pl.date_range(dt_.date(2020, 1, 1), dt_.date(2020, 2, 9), eager=True),
        "clock": [dt_.time(1, 2), None, dt_.time(3, 4), dt_.time(5, 6)] * 10,
    })
    synth = dt.fit(frame).sample(20, seed=1, output="pandas")
    assert synth["level"].cat.categories.tolist() == ["lo", "hi", "max"]
    assert str(synth["day"].dtype) == "datetime64[ms]"
    assert synth["clock"].dtype == object and isinstance(synth["clock"].dropna().iloc[0], dt_.time)


def test_bad_output_is_named() -> None:
    model = dt.fit(pl.DataFrame({"x": [1, 2, 3, 4, 5] * 4}))
    with pytest.raises(dt.SamplingError, match=r"^output must be one of 'polars', 'pandas' \(did you mean 'pandas'\?\)\. "
                                               r"Got 'Pandas '\.$"):
        model.sample(3, output="Pandas ")


def test_pandas_missing_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    model = dt.fit(pl.DataFrame({"x": [1, 2, 3, 4, 5] * 4}))
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(dt.DatatwinError, match=r'^output="pandas" needs pandas: pip install pandas$'):
        model.sample(3, output="pandas")


def test_output_pandas_needs_no_pyarrow() -> None:
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"  # as if pyarrow were not installed
        "import polars as pl, datatwin as dt\n"
        "m = dt.fit(pl.DataFrame({'n': [1, None, 3, 4] * 5, 's': ['a', 'b', None, 'a'] * 5}))\n"
        "print(m.sample(50, seed=1, output='pandas').dtypes.astype(str).tolist())\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['Int64', 'string']"


def test_pyarrow_is_a_base_dependency(pandas_frame: pd.DataFrame) -> None:
    base = [r for r in requires("datatwin") or [] if "extra ==" not in r]
    assert any(r.replace(" ", "").startswith("pyarrow") for r in base)
    synth = dt.fit(pandas_frame).sample(10, seed=1)
    assert isinstance(synth.to_pandas(), pd.DataFrame)  # polars' own conversion, through pyarrow
