"""Command-line conventions a newcomer expects: -h and -V, flags that take no value and say
so, argument names in the usage line, a progress bar that knows its total, and errors that
start on the first line of standard error."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest

import datatwin as dt


@pytest.fixture()
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # typer's help is drawn for the terminal's width


def test_short_help_and_version(run_cli, wide) -> None:
    code, out, _ = run_cli(["-V"])
    assert code == 0 and out == f"datatwin {dt.__version__}\n"
    assert run_cli(["-h"]) == run_cli(["--help"])
    code, out, _ = run_cli(["fit", "-h"])
    assert code == 0 and "--output" in out and "-h" in out


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("fit", "Usage: datatwin fit [OPTIONS] DATA"),
        ("inspect", "Usage: datatwin inspect [OPTIONS] MODEL.json"),
        ("sample", "Usage: datatwin sample [OPTIONS] MODEL.json"),
        ("report", "Usage: datatwin report [OPTIONS] REAL SYNTH"),
    ],
)
def test_usage_names_the_arguments(command: str, usage: str, run_cli, wide) -> None:
    code, out, _ = run_cli([command, "--help"])
    assert code == 0 and usage in out and "{" not in out.split("\n\n")[0]
    code, _, err = run_cli([command])  # missing argument: the usage line again, on stderr
    assert code == 2 and usage in err


def test_flags_show_no_value_type(run_cli, wide) -> None:
    code, out, _ = run_cli(["fit", "--help"])
    assert code == 0
    assert "<bool>" not in out  # --quiet, --empirical, --decimal-comma, --help take no value
    assert "<path>" in out and "<float>" in out  # options that take one still say what
    assert "spec file's family table" in out  # no help text eaten as rich markup
    code, _, err = run_cli(["fit", "a.csv", "-o", "m.json", "--quiet", "true"])
    assert code == 2 and "unexpected extra argument" in err


def test_progress_is_told_the_number_of_columns() -> None:
    frame = pl.DataFrame({"a": [1, 2, 3, 4] * 5, "b": ["x", "y"] * 10, "c": [0.5, 1.5, 2.5, 3.0] * 5})

    class Recorder:
        def __init__(self) -> None:
            self.calls: list[object] = []

        def start(self, total: int) -> None:
            self.calls.append(("start", total))

        def __call__(self, name: str) -> None:
            self.calls.append(name)

    recorder = Recorder()
    dt.fit(frame, spec={"columns": {"b": {"exclude": True}}}, progress=recorder)
    assert recorder.calls == [("start", 2), "a", "c"]
    names: list[str] = []
    dt.fit(frame, progress=names.append)  # a plain callable, as before
    assert names == ["a", "b", "c"]


def test_progress_bar_shows_the_total(adult_path: Path, tmp_path: Path, run_cli, monkeypatch) -> None:
    from rich.console import Console

    import datatwin.cli

    screen = io.StringIO()
    monkeypatch.setattr(datatwin.cli, "err", Console(file=screen, force_terminal=True, width=120))
    code, out, _ = run_cli(["fit", str(adult_path), "--missing", "?", "-o", str(tmp_path / "m.json")])
    assert code == 0 and "fitted 15 columns" in out
    shown = screen.getvalue()
    # The bar may start as "0/?" before fit knows the column count; once any "k/15" has been
    # drawn (which k is first depends on refresh timing), the unknown total must not come back.
    assert "15/15" in shown and "/?" not in shown.split("/15", 1)[-1]


def test_no_blank_line_before_an_error(adult_path: Path, tmp_path: Path, run_cli) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[columns.agee]\nkind = "discrete"\n', encoding="utf-8")
    code, out, err = run_cli(["fit", str(adult_path), "--spec", str(spec), "-o", str(tmp_path / "m.json")])
    assert code == 1 and out == ""
    assert err.startswith("error: spec names column(s) ['agee']") and err.count("\n") == 1
