"""Streaming fits of Parquet parts: the same model file as the in-memory fit, bounded by the
distinct rows; bad sources get clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import InputFileError


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    rng = np.random.default_rng(3)
    n = 3_000
    age = rng.integers(18, 80, n)
    frame = pl.DataFrame({
        "age": age,
        "income": np.round(np.exp(rng.normal(10, 0.5, n)), -2),
        "sex": rng.choice(["F", "M"], n),
        "city": pl.Series(rng.choice(["Ams", "Rot", "Utr", None], n, p=[0.5, 0.3, 0.15, 0.05])),
        "retired": age > 65,
    })
    folder = tmp_path_factory.mktemp("events")
    for i, start in enumerate(range(0, n, 1_000)):
        frame.slice(start, 1_000).write_parquet(folder / f"part-{i}.parquet")
    return folder, frame


def _without_provenance(model: dt.Model) -> str:
    d = model.to_dict()
    d.pop("provenance")
    return json.dumps(d)


@pytest.mark.parametrize("family", ["independent", "copula", "cart"])
def test_streamed_fit_equals_in_memory(parts: tuple[Path, pl.DataFrame], family: str) -> None:
    folder, frame = parts
    streamed = dt.fit(str(folder / "*.parquet"), family=family)
    assert _without_provenance(streamed) == _without_provenance(dt.fit(frame, family=family))
    assert streamed.provenance["source"]["rows"] == 3_000 and streamed.provenance["source"]["streamed"]
    assert streamed.skipped == []


def test_streamed_fit_of_a_folder_and_one_file(parts: tuple[Path, pl.DataFrame], tmp_path: Path) -> None:
    folder, frame = parts
    assert _without_provenance(dt.fit(folder)) == _without_provenance(dt.fit(frame))
    one = tmp_path / "one.parquet"
    frame.write_parquet(one)
    model = dt.fit(one, streaming=True)
    assert _without_provenance(model) == _without_provenance(dt.fit(frame))
    model.save(tmp_path / "m.json")
    assert dt.load(tmp_path / "m.json").provenance["source"]["streamed"] is True


def test_streamed_fit_under_dp_and_with_a_weight_column(parts: tuple[Path, pl.DataFrame], tmp_path: Path) -> None:
    folder, frame = parts
    weighted = frame.with_columns(w=pl.lit(2.0))
    weighted.write_parquet(tmp_path / "w.parquet")
    a = dt.fit(tmp_path / "w.parquet", {"weight_column": "w"}, streaming=True)
    assert _without_provenance(a) == _without_provenance(dt.fit(weighted, {"weight_column": "w"}))
    model = dt.fit(folder, privacy=dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-6),
                   spec={"columns": {"age": {"bounds": [0, 120]}, "income": {"bounds": [0, 1e6]}}})
    assert {c.name for c in model.columns} == set(frame.columns)
    assert "rows" not in model.provenance["source"]  # a private policy releases the count through noise


def test_cli_fit_streaming(parts: tuple[Path, pl.DataFrame], tmp_path: Path, run_cli) -> None:
    folder, frame = parts
    out = tmp_path / "m.json"
    code, stdout, _ = run_cli(["fit", str(folder / "*.parquet"), "-o", str(out), "-q"])
    assert code == 0, stdout
    assert _without_provenance(dt.load(out)) == _without_provenance(dt.fit(frame))


def test_a_glob_matching_no_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"pattern '.*nothing-\*\.parquet' matches no file"):
        dt.fit(str(tmp_path / "nothing-*.parquet"))


def test_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match=r"is a directory with no \.parquet file in it"):
        dt.fit(tmp_path)


def test_parts_with_different_schemas(tmp_path: Path) -> None:
    pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}).write_parquet(tmp_path / "p1.parquet")
    pl.DataFrame({"a": [1.5, 2.5], "b": ["x", "y"]}).write_parquet(tmp_path / "p2.parquet")
    with pytest.raises(InputFileError, match=r"p1\.parquet' and '.*p2\.parquet' differ in column 'a' \(Int64 against Float64\)"):
        dt.fit(tmp_path)


def test_streaming_reads_parquet_only(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x\n1\n")
    with pytest.raises(InputFileError, match="Parquet files only"):
        dt.fit(tmp_path / "a.csv", streaming=True)
    with pytest.raises(InputFileError, match="already in memory"):
        dt.fit(pl.DataFrame({"x": [1]}), streaming=True)


def test_an_excluded_identifier_is_not_read(parts: tuple[Path, pl.DataFrame], tmp_path: Path) -> None:
    _, frame = parts
    with_id = frame.with_columns(person=pl.int_range(pl.len()).cast(pl.Int64) * 13)
    with_id.write_parquet(tmp_path / "ids.parquet")
    from datatwin.io.streaming import aggregate_parquet

    assert aggregate_parquet(tmp_path / "ids.parquet", excluded=("person",)).frame.height < frame.height
    spec = {"columns": {"person": {"exclude": True}}}
    streamed = dt.fit(tmp_path / "ids.parquet", spec, streaming=True)
    assert _without_provenance(streamed) == _without_provenance(dt.fit(with_id, spec))
    assert streamed.skipped == [{"name": "person", "reason": "excluded by the spec"}]


def test_independent_streams_each_column_on_its_own(parts: tuple[Path, pl.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    """The independent family needs no row to hold two columns together: a streamed fit
    reduces each column to its distinct values (memory: the column with the most of them),
    not the table to its distinct rows (which a numeric column makes about as many as the rows)."""
    import datatwin.api as api
    from datatwin.io.streaming import COUNT_COLUMN, aggregate_parquet_columns

    folder, frame = parts
    apart = aggregate_parquet_columns(folder)
    assert apart.rows == frame.height and set(apart.frames) == set(frame.columns)
    for name, counts in apart.frames.items():
        assert counts.height == frame[name].n_unique() and counts[COUNT_COLUMN].sum() == frame.height

    def no_distinct_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the independent family streamed the distinct rows")

    monkeypatch.setattr(api, "aggregate_parquet", no_distinct_rows)
    streamed = dt.fit(folder)
    assert _without_provenance(streamed) == _without_provenance(dt.fit(frame))
    assert streamed.provenance["source"] == {"name": str(folder), "rows": 3_000, "columns": 5, "streamed": True}
    with pytest.raises(AssertionError, match="distinct rows"):  # CART's trees still need the rows
        dt.fit(folder, family="cart")
    with pytest.raises(AssertionError, match="distinct rows"):  # and so does a constraint
        dt.fit(folder, {"constraints": [{"kind": "inequality", "low": "age", "high": "income"}]})


def test_marginals_streams_columns_then_tables(parts: tuple[Path, pl.DataFrame], monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """The marginals family measures tables of cells: a streamed fit reads each column's
    distinct values (the columns' models, hence the domains), then counts the tables it may
    ask for in a second pass over the rows, in batches. Never the distinct rows, and the same
    model file as in memory."""
    import datatwin.api as api
    import datatwin.io.streaming as streaming
    from datatwin.io.streaming import aggregate_parquet_columns
    from datatwin.models.dpmarginals.cells import TableCells, TableCounts

    folder, frame = parts
    apart = aggregate_parquet_columns(folder)
    # domains 0 and 1: sex (F, M in cells 0, 1) and retired (False, True in cells 1, 0)
    counter = TableCounts([(0,), (0, 1)], ["sex", "retired"], [np.array([0, 1]), np.array([1, 0])], [2, 2])
    tables = counter.split(apart.rows_again.sum_rows(counter.columns, counter, counter.size))
    expected = np.zeros(4)
    for sex, retired, n in frame.group_by("sex", "retired").len().iter_rows():
        expected[(0 if sex == "F" else 1) * 2 + (1 if not retired else 0)] += n
    assert tables[(0, 1)].tolist() == expected.tolist()
    assert tables[(0,)].tolist() == [float((frame["sex"] == "F").sum()), float((frame["sex"] == "M").sum())]
    cells = TableCells(tables, {0: 2, 1: 2})
    assert cells.counts([1, 0]).tolist() == expected.reshape(2, 2).T.ravel().tolist()  # asked the other way round
    cells.merge(0, np.array([0, 0]))  # F and M merged: the counts add up
    assert cells.counts([0, 1]).tolist() == expected.reshape(2, 2).sum(0).tolist()

    def no_distinct_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the marginals family streamed the distinct rows")

    monkeypatch.setattr(api, "aggregate_parquet", no_distinct_rows)
    monkeypatch.setattr(streaming, "ROW_BATCH_ROWS", 700)  # several slices per part: the sums do not care
    streamed = dt.fit(folder, family="marginals")
    assert _without_provenance(streamed) == _without_provenance(dt.fit(frame, family="marginals"))
    weighted = frame.with_columns(w=pl.Series(np.arange(frame.height) % 3, dtype=pl.Int64))
    weighted.write_parquet(tmp_path / "w.parquet")
    spec = {"weight_column": "w"}
    assert _without_provenance(dt.fit(tmp_path / "w.parquet", spec, family="marginals", streaming=True)) == \
        _without_provenance(dt.fit(weighted, spec, family="marginals"))
    # a fixed strategy with a 3-way Count and a reversed pair
    fixed = dt.families.Marginals(marginals=[dt.Count(["sex", "city", "retired"]), dt.Count(["city", "sex"])])
    assert _without_provenance(dt.fit(folder, family=fixed)) == _without_provenance(dt.fit(frame, family=fixed))
    # a Sum adds up values within cells: that needs the rows
    sums = dt.families.Marginals(marginals=[dt.Count(["sex", "city"]), dt.Sum(["sex"], "income")],
                                 clamping={"income": (0, 200_000)})
    with pytest.raises(AssertionError, match="distinct rows"):
        dt.fit(folder, family=sums)


def test_copula_streams_columns_then_passes(parts: tuple[Path, pl.DataFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    """The copula's statistics are sums over rows of each row's normal scores: a streamed fit
    reads each column's values, then replays the steps that build the scores (lookups, label
    orders, clipping) on every slice of rows, a pass per statistic. Never the distinct rows,
    and the in-memory model file, under disclosure control (its 2 x 2 cells) too."""
    import datatwin.api as api
    import datatwin.io.streaming as streaming
    from datatwin.io.streaming import ParquetRows

    folder, frame = parts
    passes: list[int] = []
    original = ParquetRows.sum_rows

    def counted(self, columns, statistic, size):  # type: ignore[no-untyped-def]
        passes.append(size)
        return original(self, columns, statistic, size)

    def no_distinct_rows(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the copula streamed the distinct rows")

    monkeypatch.setattr(api, "aggregate_parquet", no_distinct_rows)
    monkeypatch.setattr(ParquetRows, "sum_rows", counted)
    monkeypatch.setattr(streaming, "ROW_BATCH_ROWS", 700)
    assert _without_provenance(dt.fit(folder, family="copula")) == _without_provenance(dt.fit(frame, family="copula"))
    assert len(passes) == 5  # two ordering rounds (moments, profiles), then the final moments
    # too many distinct rows to keep between passes: every pass reads the parts again
    monkeypatch.setattr(streaming, "KEPT_ROWS", 10)
    reads: list[int] = []
    read = ParquetRows._read

    def reading(self, *args):  # type: ignore[no-untyped-def]
        reads.append(1)
        return read(self, *args)

    monkeypatch.setattr(ParquetRows, "_read", reading)
    assert _without_provenance(dt.fit(folder, family="copula")) == _without_provenance(dt.fit(frame, family="copula"))
    assert len(reads) == 5
    monkeypatch.setattr(streaming, "KEPT_ROWS", 1 << 21)
    reads.clear()
    dt.fit(folder, family="copula")
    assert len(reads) == 1  # the first pass kept the distinct rows; the others read them
    sdc = dt.privacy.DisclosureControl(k=10)
    assert _without_provenance(dt.fit(folder, family="copula", privacy=sdc)) == \
        _without_provenance(dt.fit(frame, family="copula", privacy=sdc))
    policy = dt.privacy.DifferentialPrivacy(epsilon=1.0, delta=1e-9)
    streamed = dt.fit(folder, family="copula", privacy=policy).to_dict()
    in_memory = dt.fit(frame, family="copula", privacy=policy).to_dict()
    # which labels are published (hence which columns are profiled, and how many dimensions the
    # moments have) is noise: it differs per fit, the budget does not
    for spent in (streamed["privacy"]["spent"], in_memory["privacy"]["spent"]):
        assert abs(spent["epsilon"] - 1.0) < 1e-9 and spent["delta"] <= 1e-9
    assert streamed["model"]["family"] == "copula" and len(streamed["model"]["dimensions"]) >= 2


def test_streamed_marginals_under_dp(parts: tuple[Path, pl.DataFrame]) -> None:
    """Under DP the streamed fit spends the same budget on the same measurements (the noise
    differs per fit)."""
    folder, frame = parts
    policy = dt.privacy.DifferentialPrivacy(epsilon=2.0, delta=1e-9)
    family = dt.families.Marginals(marginals=[dt.Count(["sex", "city"]), dt.Count(["city", "retired"])])
    streamed = dt.fit(folder, family=family, privacy=policy).to_dict()
    in_memory = dt.fit(frame, family=family, privacy=policy).to_dict()
    assert [m["columns"] for m in streamed["model"]["measurements"]] == \
        [m["columns"] for m in in_memory["model"]["measurements"]]
    assert streamed["privacy"]["spent"] == in_memory["privacy"]["spent"]


def test_cells_of_a_float_column_with_nan_and_missing(tmp_path: Path) -> None:
    from datatwin.io.streaming import aggregate_parquet_columns

    pl.DataFrame({"x": [1.5, float("nan"), None, 1.5, float("nan"), 2.0]}).write_parquet(tmp_path / "x.parquet")
    apart = aggregate_parquet_columns(tmp_path / "x.parquet")
    values = apart.frames["x"]["x"]  # sorted, missing last: 1.5, 2.0, NaN, None
    assert len(values) == 4 and values[:2].to_list() == [1.5, 2.0] and values[3] is None
    counts = apart.rows_again.sum_rows(["x"], lambda index, w: np.bincount(index["x"], weights=w, minlength=4), 4)
    assert counts.tolist() == [2.0, 1.0, 2.0, 1.0]


@pytest.mark.parametrize("family", ["independent", "copula"])
def test_streamed_kinds_follow_the_rows_not_the_distinct_rows(tmp_path: Path, family: str) -> None:
    """100 labels over 20,000 rows are categorical (at most 2 x the square root of the rows);
    a streamed fit sees a few hundred distinct rows (or 100 distinct values) with counts, and
    must judge by the rows they stand for, as the in-memory fit does."""
    rng = np.random.default_rng(9)
    n = 20_000
    frame = pl.DataFrame({"label": [f"L{i:03d}" for i in rng.integers(0, 100, n)], "g": rng.choice(["a", "b", "c"], n)})
    frame.write_parquet(tmp_path / "labels.parquet")
    streamed = dt.fit(tmp_path / "labels.parquet", family=family, streaming=True)
    in_memory = dt.fit(frame, family=family)
    assert [c.kind for c in streamed.columns] == [c.kind for c in in_memory.columns] == ["categorical", "categorical"]
    assert _without_provenance(streamed) == _without_provenance(in_memory)


@pytest.mark.parametrize("family", ["independent", "copula"])
def test_streaming_parts_without_rows(tmp_path: Path, family: str) -> None:
    from datatwin.errors import DataError

    pl.DataFrame({"a": pl.Series([], dtype=pl.Int64), "b": pl.Series([], dtype=pl.String)}).write_parquet(
        tmp_path / "empty.parquet")
    with pytest.raises(DataError, match=r"^empty\.parquet has no rows; a model needs at least one row"):
        dt.fit(tmp_path / "empty.parquet", family=family, streaming=True)


@pytest.mark.parametrize("hashed", [True, False])
def test_value_index_by_hash_and_by_search(monkeypatch: pytest.MonkeyPatch, hashed: bool) -> None:
    """A batch's values find their position among the sorted distinct values, whether through a
    hash table (few values) or a binary search (many): NaN, -0.0, missing, dates and text."""
    import datetime as _dt

    import datatwin.io.streaming as streaming

    if not hashed:
        monkeypatch.setattr(streaming, "HASHED_VALUES", 0)
    frame = pl.DataFrame({
        "f": [1.5, float("nan"), None, -0.0, 2.0, 0.0, float("nan")],
        "d": [_dt.date(2020, 1, 3), None, _dt.date(2019, 5, 1), _dt.date(2020, 1, 3), None, _dt.date(2021, 1, 1),
              _dt.date(2019, 5, 1)],
        "s": ["b", "a", None, "é", "b", "B", "a"],
    })
    for name in frame.columns:
        values = frame.group_by(name).len().sort(name, nulls_last=True)[name]  # as the first pass sorts them
        index = streaming.value_cells(frame[name], values, np.arange(len(values)))
        for row, i in zip(frame[name].to_list(), index.tolist()):
            found = values[int(i)]
            assert (row is None and found is None) or row == found or (row != row and found != found), (name, row, found)
