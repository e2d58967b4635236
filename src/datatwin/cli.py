"""The ``datatwin`` command. Thin: parse arguments, call the API, print with rich.

Every DatatwinError becomes one red line on stderr and exit code 1 — no traceback.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from importlib import resources
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from datatwin import api
from datatwin._cliconventions import CONTEXT_SETTINGS, App, Group
from datatwin._version import __version__
from datatwin.constraints import conditions_from_where
from datatwin.describe import describe_distribution, describe_kinds, describe_privacy, describe_special_text
from datatwin.errors import DatatwinError, DatatwinWarning, InputFileError, PrivacyError, SpecError, did_you_mean
from datatwin.evaluate.run import DEFAULT_MAX_ROWS
from datatwin.io import check_output, read_table, write_table

app = App(
    name="datatwin",
    cls=Group,
    context_settings=CONTEXT_SETTINGS,
    help="Privacy-preserving synthetic tabular data: fit a model file, audit it, sample from it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"datatwin {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """datatwin command line."""


_READ_HELP = {
    "separator": "CSV: the field separator, one character (';', '|', tab as '\\t'); default: detected.",
    "decimal": "CSV: numbers are written with a decimal comma (1,5); default: detected.",
    "encoding": "CSV, SPSS, Stata, SAS: the text encoding (utf-8, cp1252, latin-1, ...); default: detected.",
}


class _FitProgress:
    """api.fit's progress: told the column count first (``start``), then each column's name."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("fit", total=None, column="")

    def start(self, total: int) -> None:
        self.progress.update(self.task, total=total)

    def __call__(self, name: str) -> None:
        self.progress.update(self.task, advance=1, column=name)


def _fit_with_progress(data: object, quiet: bool, **kwargs: object) -> api.Model:
    if quiet:
        return api.fit(data, **kwargs)
    progress = Progress(
        TextColumn("fitting [bold]{task.fields[column]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,  # nothing to redraw in a pipe or a log; rich would leave a blank line there
    )
    with progress:
        return api.fit(data, progress=_FitProgress(progress), **kwargs)


@app.command()
def fit(
    data: Path = typer.Argument(..., metavar="DATA", help="CSV, TSV, Parquet, NDJSON, Arrow, Excel, SPSS, Stata or SAS file to model."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the model file (.json)."),
    spec: Optional[Path] = typer.Option(None, "--spec", help="Per-column options, TOML or JSON (see docs/spec.md)."),
    missing: list[str] = typer.Option([], "--missing", help="A value meaning 'missing' in every column (repeatable), e.g. --missing '?'."),
    criterion: Optional[str] = typer.Option(None, "--criterion", help="bic (default) or aic."),
    empirical: bool = typer.Option(False, "--empirical", help="Also try binned empirical distributions (releases quantiles)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    privacy: str = typer.Option("none", "--privacy", help="Privacy policy: none, dp, disclosure, or an installed plug-in."),
    epsilon: Optional[float] = typer.Option(None, "--epsilon", help="dp: total privacy loss ε."),
    delta: Optional[float] = typer.Option(None, "--delta", help="dp: δ of (ε, δ)-DP (needed to select labels from the data)."),
    rho: Optional[float] = typer.Option(None, "--rho", help="dp: a zCDP budget ρ instead of ε."),
    k: Optional[int] = typer.Option(None, "--k", help="disclosure: the minimum number of rows behind any released count."),
    id_column: Optional[str] = typer.Option(
        None, "--id-column", help="dp: protect all rows of one ID in this column (with --max-rows-per-id); never modelled."
    ),
    max_rows_per_id: Optional[int] = typer.Option(
        None, "--max-rows-per-id", help="dp, with --id-column: rows kept per ID (the first ones in file order); "
        "every sensitivity scales with it."
    ),
    privacy_option: list[str] = typer.Option(
        [], "--privacy-option", help="Another policy setting as key=value (repeatable), e.g. method=histogram."
    ),
    family: Optional[str] = typer.Option(
        None, "--family", help="Model family: independent (default; no relationships kept), copula, or a plug-in. "
        "Family options go in the spec file's family table."
    ),
    separator: Optional[str] = typer.Option(None, "--separator", help=_READ_HELP["separator"]),
    decimal_comma: Optional[bool] = typer.Option(None, "--decimal-comma/--no-decimal-comma", help=_READ_HELP["decimal"]),
    encoding: Optional[str] = typer.Option(None, "--encoding", help=_READ_HELP["encoding"]),
    sheet: Optional[str] = typer.Option(None, "--sheet", help="Excel: the sheet to read, a name or a number from 1."),
    streaming: bool = typer.Option(
        False, "--streaming",
        help="Parquet: stream DATA (a file, a quoted glob 'parts/*.parquet' or a folder of parts) into its distinct rows "
        "with counts; memory bounded by the distinct rows. Automatic for a glob or a folder.",
    ),
) -> None:
    """Estimate a model from DATA and write the model file."""
    if output.suffix.lower() != ".json":  # the model file is JSON; fail before the fit, not after
        raise InputFileError(
            f"output {str(output)!r} (-o/--output): the model file is JSON; give a name ending in .json"
        )
    if not output.parent.exists():  # fail before the fit, not after
        raise InputFileError(f"cannot write {str(output)!r}: folder {str(output.parent)!r} does not exist")
    policy = _policy(privacy, {"epsilon": epsilon, "delta": delta, "rho": rho, "k": k,
                               "protected_change": _protected_change(id_column, max_rows_per_id)}, privacy_option)
    start = time.perf_counter()
    model = _fit_with_progress(
        str(data), quiet, spec=str(spec) if spec else None, missing_values=missing or None,
        criterion=criterion, empirical=empirical or None, privacy=policy, family=family,
        separator=separator, decimal_comma=decimal_comma, encoding=encoding, sheet=sheet, streaming=streaming,
    )
    model.save(output)
    if not quiet:
        out.print(
            f"fitted {len(model.columns)} columns of {data.name} ({model.n_rows:,} rows, family {model.family}) "
            f"in {time.perf_counter() - start:.2f} s → {output}"
        )
        for s in model.skipped:
            out.print(f"[yellow]skipped[/] {escape(s['name'])}: {escape(s['reason'])}")


def _protected_change(id_column: str | None, max_rows: int | None) -> dict[str, object] | None:
    """``--id-column`` and ``--max-rows-per-id`` as the dp policy's ``protected_change``: both or neither."""
    if id_column is None and max_rows is None:
        return None
    if id_column is None or max_rows is None:
        given, missing = ("--id-column", "--max-rows-per-id") if max_rows is None else ("--max-rows-per-id", "--id-column")
        raise PrivacyError(
            f"{given} needs {missing}: protecting all rows of one ID takes the ID column and the rows kept per ID, "
            "e.g. --id-column member_id --max-rows-per-id 3"
        )
    return {"id_column": id_column, "max_rows": max_rows}


def _policy(name: str, given: dict[str, object], options: list[str]) -> object:
    """The policy object from the command line; settings that were not given keep their defaults."""
    from datatwin.privacy import make_policy

    settings = {key: value for key, value in given.items() if value is not None}
    for option in options:
        key, sep, text = option.partition("=")
        if not sep or not key.strip():
            raise PrivacyError(f"--privacy-option must be key=value. Got {option!r}.")
        try:
            settings[key.strip()] = json.loads(text)  # numbers, true/false, lists
        except json.JSONDecodeError:
            settings[key.strip()] = text
    if name == "none" and settings:
        flags = ["--id-column" if key == "protected_change" else "--" + key for key in settings]
        raise PrivacyError(
            f"{', '.join(flags)} given without a privacy policy; add --privacy dp or --privacy disclosure"
        )
    return make_policy(name, **settings)


@app.command()
def inspect(
    model_file: Path = typer.Argument(..., metavar="MODEL.json", help="A datatwin model file."),
    column: Optional[str] = typer.Option(
        None, "--column", "-c", metavar="NAME",
        help="Show what the model holds about one column (for family cart: its tree, readably)."),
) -> None:
    """Show a model file as a readable table."""
    model = api.load(model_file)
    if column is not None:
        _inspect_column(model, column)
        return
    d = model.to_dict()
    prov = d["provenance"]
    src = prov.get("source", {})
    out.print(
        f"[bold]{escape(str(model_file))}[/]  format {d['format']}  ·  {d['n_rows']:,} rows  ·  "
        f"family {d['model']['family']}  ·  privacy policy: {d['privacy']['policy']}"
    )
    shape = f" ({src['rows']:,} × {src.get('columns', '?')})" if isinstance(src.get("rows"), int) else ""
    origin = f" from {escape(str(src['name']))}{shape}" if "name" in src else ""
    out.print(f"created {escape(prov['created_at'])} by {escape(prov['created_by']['name'])} "
              f"{escape(prov['created_by']['version'])}{origin}")
    table = Table(show_lines=False)
    for col in ("column", "kind", "dtype", "distribution", "missing", "unique"):
        table.add_column(col, overflow="fold")
    for c in d["columns"]:
        if "computed" in c:  # a formula's column: computed at sampling, never modelled
            table.add_row(escape(c["name"]), c["kind"], escape(c["dtype"]),
                          escape(f"computed: {c['computed']['formula']}"), "-", "")
            continue
        if "difference" in c:  # an inequality built by construction: high = from + the modelled difference
            diff = c["difference"]
            unit = "" if diff["unit"] == "number" else f" {diff['unit']}"
            table.add_row(escape(c["name"]), diff["kind"], escape(diff["dtype"]),
                          escape(f"{diff['from']} + {describe_distribution(c['distribution'])}{unit}"),
                          f"{c['prop_missing']:.1%}", "")
            continue
        joint = f" (joint of {', '.join(m['name'] for m in c['joint']['columns'])})" if "joint" in c else ""
        table.add_row(
            escape(c["name"]), c["kind"],
            escape(c["dtype"] + (f" as {c['text_format']['pattern']}" if c.get("text_format") else "") + joint),
            escape(describe_distribution(c["distribution"])),
            f"{c['prop_missing']:.1%}", "yes" if c["unique"] else "",
        )
    out.print(table)
    for s in d.get("skipped", []):
        out.print(f"[yellow]skipped[/] {escape(s['name'])}: {escape(s['reason'])}")
    for line in model.describe_family():
        out.print(escape(line))
    for line in describe_special_text(d["columns"]):
        out.print(escape(line))
    _print_constraints(model)
    for line in describe_kinds(d["columns"]):
        out.print(escape(line))
    _print_privacy(d["privacy"])
    for c in d["columns"]:
        rare = c.get("rare_labels")
        if rare and rare["handling"] != "kept":
            where = f"into {rare['into']!r}" if rare.get("into") else rare["handling"]
            out.print(f"rare labels in {escape(c['name'])}: {rare['count']} held by fewer than {rare['threshold']} rows, "
                      f"{escape(where)} ({rare['share']:.2%} of rows)")
    _print_rare_warnings(model)


def _print_constraints(model: api.Model) -> None:
    """One line per constraint, with the share of real rows that broke it where published."""
    report = {r["constraint"]: r for r in model.provenance.get("constraints", {}).get("real_rows", [])}
    for i, c in enumerate(model.parsed_constraints()):
        entry = report.get(i, {})
        if "violating_share" in entry:
            note = f" ({entry['violating_share']:.2%} of real rows broke it)"
        else:
            note = f" ({entry['violating']})" if "violating" in entry else ""
        extra = f", {len(c.combinations)} combinations" if getattr(c, "combinations", None) else ""
        joint = next((j for j in model.joints if j.covers(c)), None)
        if joint is not None:
            extra += f", held by construction: one joint column {joint.name!r}"
        out.print(f"constraint: {escape(c.describe())}{escape(extra)}{escape(note)}")


def _print_privacy(privacy: dict) -> None:
    for line in describe_privacy(privacy):
        out.print(escape(line))
    ledger = privacy.get("ledger") or []
    if not ledger:
        return
    numbers = [k for k in ("sensitivity", "scale", "epsilon", "delta", "rho") if any(e.get(k) for e in ledger)]
    headers = {"sensitivity": "sensitivity", "scale": "scale", "epsilon": "ε", "delta": "δ", "rho": "ρ"}
    table = Table("released", "mechanism", *(headers[k] for k in numbers), title="privacy ledger")
    for entry in ledger:
        table.add_row(
            escape(entry["what"]), escape(entry.get("mechanism") or "public"),
            *(_number(entry.get(key)) for key in numbers),
        )
    out.print(table)


def _number(value: object) -> str:
    return "" if value is None else f"{value:.4g}"


def _print_rare_warnings(model: api.Model) -> None:
    for line in model.rare_label_warnings():
        err.print(f"[yellow]warning[/]: {escape(line)}")


@app.command()
def validate(model_file: Path = typer.Argument(..., metavar="MODEL.json", help="A datatwin model file.")) -> None:
    """Check a model file against the schema and semantic rules; exit 0 if valid, 1 if not.
    Published categorical labels held by fewer than k rows are warned about (exit stays 0)."""
    model = api.validate(model_file)
    ledger = model.privacy.get("ledger") or []
    if ledger and model.privacy.get("budget"):
        checked = f", privacy ledger of {len(ledger)} line(s) adds up within the budget"
    else:
        checked = f", privacy ledger of {len(ledger)} line(s) checked" if ledger else ""
    out.print(f"[green]valid[/]: {escape(str(model_file))} ({len(model.columns)} columns, format ok{checked})")
    _print_rare_warnings(model)


@app.command()
def sample(
    model_file: Path = typer.Argument(..., metavar="MODEL.json", help="A datatwin model file."),
    n: Optional[int] = typer.Option(None, "-n", "--rows", help="Rows to draw (default: the row count of the original data)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help=".csv, .parquet, .ndjson or .arrow; a folder (no extension): Parquet parts written in blocks; omitted: CSV on stdout."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for reproducible output."),
    where: Optional[list[str]] = typer.Option(
        None, "--where",
        help="A condition every row meets, e.g. \"sex == 'Female'\" or \"age >= 30\" (repeatable; also 'and', 'in [...]', '== None').",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the Parquet parts of an output folder that exists."),
) -> None:
    """Draw synthetic rows from a model file (no original data needed); --where conditions them."""
    to_folder = output is not None and (output.suffix == "" or output.is_dir())
    if to_folder:
        from datatwin.io.parts import check_parts_folder

        check_parts_folder(output, overwrite, option="-o/--output")
    elif output is not None:
        check_output(output, option="-o/--output")  # a bad extension or folder fails before the sampling
    conditions = conditions_from_where(where) if where else None
    model = api.load(model_file)
    if to_folder:
        rows = model.sample_to(output, n, seed=seed, conditions=conditions, overwrite=overwrite)
        err.print(f"wrote {rows:,} rows × {len(model.output_columns)} columns in Parquet parts → {output}/")
        return
    frame = model.sample(n, seed=seed, conditions=conditions)
    if output is None:
        sys.stdout.write(frame.write_csv())
    else:
        write_table(frame, output)
        err.print(f"wrote {frame.height:,} rows × {frame.width} columns → {output}")


@app.command("export-gmf")
def export_gmf(
    model_file: Path = typer.Argument(..., metavar="MODEL.json", help="A datatwin model file."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the metasyn GMF file (.json)."),
    strict: bool = typer.Option(
        True, "--strict/--no-strict",
        help="--no-strict: write approximations (named in the notes) for columns without an exact metasyn equivalent.",
    ),
    gmf_version: str = typer.Option("2.1", "--gmf-version", help="2.1 (metasyn 3, default) or 1.1 (metasyn 2)."),
) -> None:
    """Write a model file as a metasyn GMF file; refuses columns without an exact equivalent unless --no-strict."""
    from datatwin.gmf import write_gmf

    model = api.load(model_file)
    notes = write_gmf(model, output, strict=strict, gmf_version=gmf_version, source=str(model_file))
    for note in notes:
        out.print(f"[yellow]note[/]: {escape(note)}")
    summary = f"{len(notes)} approximation(s), see the notes above" if notes else "every column exact"
    out.print(f"wrote metasyn GMF {gmf_version} of {len(model.columns)} columns ({summary}) → {escape(str(output))}")


@app.command()
def demo(
    n: int = typer.Option(5000, "-n", "--rows", help="Synthetic rows to draw."),
    out_dir: Optional[Path] = typer.Option(None, "--out-dir", help="Also write the model file and the sample here."),
    seed: int = typer.Option(7, "--seed", help="Seed for the synthetic sample."),
) -> None:
    """Fit and sample the bundled Adult census sample; print a short summary."""
    import polars as pl

    path = resources.files("datatwin").joinpath("data/adult_sample.csv")
    with resources.as_file(path) as csv_path:
        real = pl.read_csv(csv_path, null_values=["?"])
        start = time.perf_counter()
        model = api.fit(real, missing_values=["?"])
        fit_s = time.perf_counter() - start
    start = time.perf_counter()
    synth = model.sample(n, seed=seed)
    sample_s = time.perf_counter() - start
    out.print(
        f"[bold]datatwin demo[/]: UCI Adult sample ({real.height:,} rows × {real.width} columns, CC BY 4.0)\n"
        f"fitted in {fit_s:.2f} s, sampled {n:,} rows in {sample_s:.2f} s (seed {seed})"
    )
    table = Table("column", "distribution", "real", "synthetic")
    for c in model.columns:
        r, s = real[c.name], synth[c.name]
        if c.kind in ("continuous", "discrete"):
            row = (f"mean {r.mean():,.1f}", f"mean {s.mean():,.1f}")
        else:  # share of the most common real label, in both
            top = r.drop_nulls().mode().sort()[0]
            row = (f"{top}: {(r == top).mean():.0%}", f"{top}: {(s == top).mean():.0%}")
        table.add_row(c.name, c.distribution.name if c.distribution else "-", *row)
    out.print(table)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        model.save(out_dir / "adult.model.json")
        write_table(synth, out_dir / "adult.synthetic.csv")
        out.print(f"wrote {out_dir / 'adult.model.json'} and {out_dir / 'adult.synthetic.csv'}")
    out.print("next: [bold]datatwin fit your.csv -o model.json[/], then [bold]datatwin inspect model.json[/]")


@app.command()
def report(
    real: Path = typer.Argument(..., metavar="REAL", help="The real data file."),
    synthetic: Path = typer.Argument(..., metavar="SYNTH", help="The synthetic data file, with the real data's columns."),
    output: Path = typer.Option(..., "-o", "--output", help="The report: .html, or .json for the scores."),
    holdout: Optional[Path] = typer.Option(None, "--holdout", help="Real rows the model never saw."),
    target: Optional[str] = typer.Option(None, "--target", help="Column to predict for machine-learning efficacy."),
    json_path: Optional[Path] = typer.Option(None, "--json", help="Also write every score as JSON here."),
    model_file: Optional[Path] = typer.Option(None, "--model", help="Model file, for its privacy ledger."),
    quasi_identifiers: Optional[str] = typer.Option(None, "--quasi-identifiers", help="Known columns: a,b,c."),
    sensitive: Optional[str] = typer.Option(None, "--sensitive", help="Column an attacker infers from them."),
    missing: list[str] = typer.Option([], "--missing", help="A value meaning 'missing' (repeatable), e.g. '?'."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for subsamples and classifiers."),
    max_rows: int = typer.Option(DEFAULT_MAX_ROWS, "--max-rows", min=2, help="Rows for the expensive metrics."),
    separator: Optional[str] = typer.Option(None, "--separator", help=_READ_HELP["separator"] + " Applies to REAL and --holdout."),
    decimal_comma: Optional[bool] = typer.Option(
        None, "--decimal-comma/--no-decimal-comma", help=_READ_HELP["decimal"] + " Applies to REAL and --holdout."
    ),
    encoding: Optional[str] = typer.Option(None, "--encoding", help=_READ_HELP["encoding"] + " Applies to REAL and --holdout."),
    repeats: int = typer.Option(5, "--repeats", min=1, help="Bootstrap replicates of the seed-dependent scores."),
) -> None:
    """Compare SYNTH with REAL: utility and disclosure risk, as an HTML report (or JSON)."""
    from datatwin.evaluate.report import report_format
    from datatwin.evaluate.run import evaluate

    report_format(output)  # a bad extension or folder fails before the evaluation, not after
    if json_path is not None and not json_path.parent.exists():
        raise InputFileError(f"cannot write {str(json_path)!r}: folder {str(json_path.parent)!r} does not exist")
    model = api.load(model_file) if model_file is not None else None
    qis = [c.strip() for c in quasi_identifiers.split(",") if c.strip()] if quasi_identifiers is not None else None
    start = time.perf_counter()
    # REAL and the holdout share one source and format; SYNTH is what `sample` wrote, read as detected
    how = {"separator": separator, "decimal_comma": decimal_comma, "encoding": encoding}
    given = any(v is not None for v in how.values())
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    )
    with progress, warnings.catch_warnings(record=True) as caught:  # warnings shown after the bar, below
        warnings.simplefilter("always", DatatwinWarning)
        task = progress.add_task("reading the data", total=None)
        real_data, holdout_data = (
            None if f is None else read_table(str(f), tuple(missing), **how).frame if given else str(f)
            for f in (real, holdout)
        )

        def step(name: str, done: int, total: int) -> None:  # total + 1: writing the report is a step too
            progress.update(task, description=name, completed=done, total=total + 1)

        result = evaluate(
            real_data, str(synthetic), holdout_data, target, model=model,
            quasi_identifiers=qis, sensitive=sensitive, missing_values=tuple(missing), seed=seed, max_rows=max_rows,
            repeats=repeats, progress=step,
        )
        progress.update(task, description=f"writing {output.name}")
        result.save(output)
        progress.update(task, completed=progress.tasks[0].total)
    if json_path is not None:
        try:
            json_path.write_text(result.to_json(), encoding="utf-8")
        except OSError as exc:
            raise InputFileError(f"cannot write {str(json_path)!r}: {exc.strerror or exc}") from None
    utility, risk = result.scores["utility"], result.scores["risk"]
    overlap = risk.get("holdout_overlap") or {}
    for found in caught:
        if overlap.get("suspected") and str(found.message).startswith("the holdout overlaps"):
            err.print(f"[bold red]warning: {escape(str(found.message))}[/]", highlight=False)
        else:
            warnings.showwarning(found.message, found.category, found.filename, found.lineno)
    interval = utility.get("interval")
    shown = f", 95 % interval {interval[0]:.3f}–{interval[1]:.3f}" if isinstance(interval, list) else ""
    out.print(f"utility.overall {utility['overall']:.3f}  (0 to 1, higher = more useful{shown})", highlight=False)
    out.print(f"risk.overall    {risk['overall']:.3f}  (0 to 1, higher = more disclosive)", highlight=False)
    averaged = ", ".join(f"{k} {v['value']:.3f}" for k, v in (utility.get("components") or {}).items())
    left = "; left out: " + ", ".join(utility["left_out"]) if utility.get("left_out") else ""
    out.print(escape(f"utility.overall is the mean of {averaged}{left}"), highlight=False)
    for line in result.verdict_lines():
        out.print(escape(line), highlight=False)
    written = f"{output} and {json_path}" if json_path is not None else str(output)
    out.print(f"evaluated in {time.perf_counter() - start:.1f} s → {escape(written)}")


def _inspect_column(model: api.Model, name: str) -> None:
    """One column's entry and what the family holds about it."""
    entry = next((c for c in model.to_dict()["columns"] if c["name"] == name), None)
    joint = next((j for j in model.joints if name in j.member_names), None)
    if entry is None and joint is not None:  # a member of a joint column: its part of the joint's model
        member = next(m for m in joint.members if m.name == name)
        out.print(f"[bold]{escape(name)}[/]  {member.kind}  {escape(member.dtype)}  ·  modelled jointly with "
                  f"{escape(', '.join(n for n in joint.member_names if n != name))} as the column "
                  f"{escape(repr(joint.name))} ({len(joint.labels)} allowed combinations)", highlight=False)
        entry, name = next(c for c in model.to_dict()["columns"] if c["name"] == joint.name), joint.name
    if entry is None:
        names = [c["name"] for c in model.to_dict()["columns"]]
        raise SpecError(f"--column: {name!r} is not a column of the model{did_you_mean(name, names)}; its columns are "
                        f"{', '.join(names)}")
    if "computed" in entry:
        out.print(f"[bold]{escape(name)}[/]  {entry['kind']}  {escape(entry['dtype'])}  ·  computed by the formula "
                  f"{escape(entry['computed']['formula'])}, not modelled", highlight=False)
        return
    if "difference" in entry:
        diff = entry["difference"]
        unit = "" if diff["unit"] == "number" else f" in {diff['unit']}"
        out.print(f"[bold]{escape(name)}[/]  {diff['kind']}  {escape(diff['dtype'])}  ·  {escape(diff['from'])} + a "
                  f"non-negative difference{unit} ({entry['kind']}), distributed as "
                  f"{escape(describe_distribution(entry['distribution']))}  ·  missing {entry['prop_missing']:.1%}",
                  highlight=False)
    else:
        out.print(f"[bold]{escape(name)}[/]  {entry['kind']}  {escape(entry['dtype'])}  ·  "
                  f"{escape(describe_distribution(entry['distribution']))}  ·  missing {entry['prop_missing']:.1%}")
    for line in model.fitted.column_lines(name):
        out.print(escape(line), highlight=False)


def main() -> None:
    """Entry point: run the app, turning DatatwinError into one line and exit code 1."""
    warnings.simplefilter("default", DatatwinWarning)
    warnings.showwarning = lambda message, category, *a, **k: err.print(f"[yellow]warning[/]: {escape(str(message))}")
    try:
        app(prog_name="datatwin")  # standalone: usage errors print click's message and exit 2
    except DatatwinError as exc:
        err.print(f"[red]error[/]: {escape(str(exc))}", highlight=False)
        sys.exit(1)


if __name__ == "__main__":
    main()
