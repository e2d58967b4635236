"""Blocks drawn on several threads: the same rows as drawn one by one, errors raised in turn."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import datatwin as dt
from datatwin.errors import InputFileError
from datatwin.io.parts import write_parts
from datatwin.models.blocks import draw_blocks, sample_threads


@pytest.fixture(scope="module")
def model() -> dt.Model:
    rng = np.random.default_rng(1)
    n = 500
    x = rng.normal(size=n)
    frame = pl.DataFrame({"x": x, "y": x + rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n),
                          "k": rng.integers(0, 40, n)})
    return dt.fit(frame, family="copula")


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_threads_draw_the_same_rows(model: dt.Model, small_blocks: int, monkeypatch: pytest.MonkeyPatch,
                                    threads: str) -> None:
    monkeypatch.setenv("DATATWIN_SAMPLE_THREADS", "1")
    one = model.sample(2_000, seed=5)
    monkeypatch.setenv("DATATWIN_SAMPLE_THREADS", threads)
    assert sample_threads() == int(threads)
    assert model.sample(2_000, seed=5).equals(one)
    assert pl.concat(list(model.sample_blocks(2_000, seed=5))).equals(one)


def test_sample_threads_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATWIN_SAMPLE_THREADS", "not a number")
    assert 1 <= sample_threads() <= 2  # ignored: the default, capped at the cores
    monkeypatch.delenv("DATATWIN_SAMPLE_THREADS")
    assert 1 <= sample_threads() <= 2


def test_draw_blocks_in_order_and_errors_in_turn() -> None:
    def draw(b: int) -> pl.DataFrame:
        if b == 3:
            raise ValueError("block 3 failed")
        return pl.DataFrame({"b": [b]})

    it = draw_blocks(6, draw, threads=2)
    assert [next(it)["b"][0] for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="block 3 failed"):
        next(it)


def test_draw_blocks_closed_early_stops_drawing() -> None:
    drawn: list[int] = []

    def draw(b: int) -> pl.DataFrame:
        drawn.append(b)
        return pl.DataFrame({"b": [b]})

    it = draw_blocks(100, draw, threads=2)
    assert next(it)["b"][0] == 0
    it.close()
    assert len(drawn) <= 4  # at most the blocks in flight, not all 100


def test_write_parts_raises_a_failed_write(tmp_path) -> None:
    good = pl.DataFrame({"a": [1, 2]})
    bad = pl.DataFrame({"a": pl.Series([object(), object()], dtype=pl.Object)})  # Parquet cannot hold it
    with pytest.raises(InputFileError, match=r"part-00001\.parquet': could not write this Parquet part"):
        write_parts(iter([good, bad, good]), tmp_path / "out")
    assert (tmp_path / "out" / "part-00000.parquet").exists()


def test_write_parts_still_refuses_a_folder_in_use(tmp_path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    with pytest.raises(InputFileError, match="already exists"):
        write_parts(iter([pl.DataFrame({"a": [1]})]), tmp_path / "out")


def test_blas_threads_restored_after_threaded_blocks(model: dt.Model, small_blocks: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from threadpoolctl import threadpool_info

    def blas() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas()
    monkeypatch.setenv("DATATWIN_SAMPLE_THREADS", "2")
    for _ in range(3):  # workers that limit BLAS themselves, entering and leaving in any order
        model.sample(3_000, seed=1)
    assert blas() == before
