"""Sampling in blocks: every block has its own stream, so chunks reproduce the whole sample."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import SamplingError


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=n)
    return pl.DataFrame({
        "id": np.arange(n) * 7 + 3,
        "x": x,
        "y": x * 2 + rng.normal(size=n),
        "g": rng.choice(["a", "b", "c"], n),
    })


@pytest.mark.parametrize("family", ["independent", "copula", "cart"])
def test_blocks_concatenate_to_the_sample(frame: pl.DataFrame, small_blocks: int, family: str) -> None:
    model = dt.fit(frame, family=dt.families.Cart(min_leaf=20) if family == "cart" else family)
    whole = model.sample(1_700, seed=11)
    blocks = list(model.sample_blocks(1_700, seed=11))
    assert [b.height for b in blocks] == [500, 500, 500, 200]
    assert pl.concat(blocks).equals(whole)


def test_blocks_differ_from_each_other(frame: pl.DataFrame, small_blocks: int) -> None:
    model = dt.fit(frame)
    first, second = list(model.sample_blocks(1_000, seed=2))
    assert not np.allclose(first["x"].to_numpy(), second["x"].to_numpy())


def test_first_block_is_the_small_sample(frame: pl.DataFrame, small_blocks: int) -> None:
    model = dt.fit(frame, family="copula")
    assert model.sample(1_200, seed=5).head(500).equals(model.sample(500, seed=5))


def test_unique_column_unique_across_blocks(frame: pl.DataFrame, small_blocks: int) -> None:
    model = dt.fit(frame)
    assert model.column("id").unique
    ids = model.sample(2_000, seed=1)["id"]
    assert ids.n_unique() == 2_000


def test_conditions_in_blocks(frame: pl.DataFrame, small_blocks: int) -> None:
    model = dt.fit(frame, family="copula")
    whole = model.sample(1_200, seed=4, conditions={"g": "a"})
    assert (whole["g"] == "a").all()
    assert pl.concat(list(model.sample_blocks(1_200, seed=4, conditions={"g": "a"}))).equals(whole)


def test_condition_rows_in_blocks(frame: pl.DataFrame, small_blocks: int) -> None:
    model = dt.fit(frame, family="copula")
    rows = pl.DataFrame({"g": ["a", "b"] * 600})
    out = model.sample(conditions=rows, seed=3)
    assert out["g"].to_list() == rows["g"].to_list()


@pytest.mark.parametrize("n, seed, match", [(-1, 1, "integer >= 0"), (10, -2, "seed must be")])
def test_blocks_bad_arguments(frame: pl.DataFrame, n: int, seed: int, match: str) -> None:
    with pytest.raises(SamplingError, match=match):
        list(dt.fit(frame).sample_blocks(n, seed))


def test_unique_drawn_values_unique_across_blocks(small_blocks: int) -> None:
    rng = np.random.default_rng(1)
    model = dt.fit(pl.DataFrame({"v": rng.normal(size=300)}), spec={"columns": {"v": {"unique": True}}})
    values = model.sample(1_600, seed=9)["v"]
    assert values.n_unique() == 1_600
    assert pl.concat(list(model.sample_blocks(1_600, seed=9)))["v"].equals(values)


def test_unique_support_exhausted_across_blocks(small_blocks: int) -> None:
    model = dt.fit(pl.DataFrame({"k": np.arange(0, 24, 2)}))
    data = model.to_dict()
    data["columns"][0]["distribution"] = {"name": "discrete_uniform", "parameters": {"lower": 0, "upper": 700}}
    model = dt.Model.from_dict(data)
    wide = dt.Model.from_dict({**data, "columns": [{**data["columns"][0], "distribution": {
        "name": "discrete_uniform", "parameters": {"lower": 0, "upper": 100_000}}}]})
    assert wide.sample(1_200, seed=1)["k"].n_unique() == 1_200
    with pytest.raises(SamplingError, match="column 'k' is marked unique .* distinct values"):
        model.sample(1_200, seed=1)


# -- writing a sample as Parquet parts, block by block ------------------------------------------


def test_sample_to_a_folder_equals_the_sample(frame: pl.DataFrame, small_blocks: int, tmp_path) -> None:
    model = dt.fit(frame, family="copula")
    folder = tmp_path / "out"
    assert model.sample_to(folder, 1_300, seed=8) == 1_300
    assert sorted(p.name for p in folder.iterdir()) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    back = pl.read_parquet(folder / "*.parquet")
    assert back.equals(model.sample(1_300, seed=8))


def test_sample_to_refuses_a_folder_in_use(frame: pl.DataFrame, tmp_path) -> None:
    from datatwin.errors import InputFileError

    model = dt.fit(frame)
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputFileError, match=r"'.*out' already exists and is not empty.*overwrite"):
        model.sample_to(folder, 10, seed=1)
    model.sample_to(folder, 10, seed=1, overwrite=True)
    model.sample_to(folder, 5, seed=1, overwrite=True)  # earlier parts replaced, other files kept
    assert (folder / "notes.txt").read_text() == "mine"
    assert pl.read_parquet(folder / "*.parquet").height == 5
    with pytest.raises(InputFileError, match="is a file"):
        model.sample_to(folder / "notes.txt", 5)
    with pytest.raises(InputFileError, match="does not exist"):
        model.sample_to(tmp_path / "no" / "where", 5)


def test_cli_sample_to_a_folder(frame: pl.DataFrame, tmp_path, run_cli) -> None:
    path = tmp_path / "m.json"
    dt.fit(frame).save(path)
    folder = tmp_path / "parts"
    code, _, err = run_cli(["sample", str(path), "-n", "2000", "-o", str(folder), "--seed", "3"])
    assert code == 0 and "wrote 2,000 rows × 4 columns in Parquet parts" in err
    assert pl.read_parquet(folder / "*.parquet").equals(dt.load(path).sample(2000, seed=3))
    code, _, err = run_cli(["sample", str(path), "-n", "20", "-o", str(folder)])
    assert code != 0 and "already exists" in err and "--overwrite" in err
    code, _, _ = run_cli(["sample", str(path), "-n", "20", "-o", str(folder), "--overwrite"])
    assert code == 0 and pl.read_parquet(folder / "*.parquet").height == 20
