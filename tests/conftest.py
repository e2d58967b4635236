from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def shared_dataset(name: str) -> Path:
    """A file of ../shared/datasets; the real data the project is checked on."""
    path = SHARED / name
    if not path.exists():  # pragma: no cover - the checkout always has shared/ beside it in CI
        pytest.fail(f"missing real data {path}: the repo must be checked out beside shared/")
    return path


@pytest.fixture(scope="session")
def adult_path() -> Path:
    return shared_dataset("adult.csv")


@pytest.fixture(scope="session")
def flights_path() -> Path:
    return shared_dataset("flights.parquet")


@pytest.fixture()
def mixed_frame() -> pl.DataFrame:
    """One column of every kind, with missing values, 2,000 rows, fixed seed."""
    rng = np.random.default_rng(42)
    n = 2000
    ints = rng.poisson(4, n)
    floats = rng.normal(10, 2, n)
    cats = rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2])
    bools = rng.random(n) < 0.3
    days = (np.datetime64("2020-01-01") + rng.integers(0, 366, n)).astype("datetime64[D]")
    stamps = (np.datetime64("2021-06-01T00:00:00") + rng.integers(0, 86_400 * 30, n).astype("timedelta64[s]"))
    times = rng.integers(0, 86_400, n) * 10**9
    frame = pl.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "count": ints,
            "value": floats,
            "colour": cats,
            "flag": bools,
            "day": pl.Series(days).cast(pl.Date),
            "stamp": pl.Series(stamps.astype("datetime64[us]")).dt.replace_time_zone("Europe/Amsterdam"),
            "clock": pl.Series(times).cast(pl.Time),
            "level": pl.Series(rng.choice(["low", "mid", "high"], n)).cast(pl.Enum(["low", "mid", "high", "extreme"])),
        }
    )
    missing = rng.random(n) < 0.1
    return frame.with_columns(
        pl.when(pl.Series(missing)).then(None).otherwise(pl.col("value")).alias("value"),
        pl.when(pl.Series(missing)).then(None).otherwise(pl.col("colour")).alias("colour"),
    )


@pytest.fixture()
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], tuple[int, str, str]]:
    """Run ``datatwin ARGS`` in process through the real entry point: (exit code, stdout, stderr)."""
    from datatwin.cli import main

    def run(args: list[str]) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["datatwin", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the docs' snippets (tests/test_docs.py) in the background as soon as they are
    collected, so they run on the cores pytest leaves idle."""
    docs = [item for item in session.items if getattr(item, "originalname", None) == "test_doc_snippets_run"]
    if docs:
        docs[0].module.start_runs(session.config, [item.callspec.params["doc"] for item in docs])


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Blocks of 500 rows instead of 2^20, so that a small sample spans several blocks."""
    import datatwin.model as model_module

    monkeypatch.setattr(model_module, "BLOCK_ROWS", 500)
    return 500
