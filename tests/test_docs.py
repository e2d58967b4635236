"""Every snippet in README.md and docs/*.md runs, so the docs cannot drift from the code.

Which fenced blocks run:

- ```` ```python ```` blocks run in one namespace per Markdown file, in order, in one
  Python process per file, with the file's own temporary directory as the working
  directory. A block whose first line is ``# name.py`` is a module of an example package:
  it is written there as that file and imported (later blocks import from it). Test
  functions a block defines (``def test_...``) are called. A block written as a doctest
  (``>>>`` prompts) runs as one, its shown output checked.
- ```` ```bash ```` blocks run through ``bash -e -o pipefail`` in the same directory, with
  this environment's ``datatwin`` first on ``PATH``; each must exit with status 0.
- Every other block (```` ```json ````, ```` ```toml ````, plain ```` ``` ```` for output
  samples and synopses) is an illustration and is not run.
- A ``python`` or ``bash`` block that cannot run in a test says so on the line right before
  it: ``<!-- not run: the reason -->``. Each such block is reported as a skipped test with
  its reason (``pytest -ra`` lists them), and their number is pinned in ``NOT_RUN``.

The working directory holds ``adult.csv`` (the real Adult data) and ``adult.model.json``
(one model of it, fitted once for all files, as the docs' ``datatwin fit adult.csv
--missing '?' -o adult.model.json`` writes it), and ``../shared/datasets/adult.csv``
resolves as it does from the repository's root.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
import types
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOC_NAMES = [str(p.relative_to(ROOT)) for p in DOCS]
ADULT = ROOT.parent / "shared" / "datasets" / "adult.csv"  # as tests/conftest.py finds it
RUN = ("python", "bash")
ILLUSTRATION = ("", "json", "toml", "text")
#: how many python/bash blocks are marked ``<!-- not run: ... -->``; change it with the docs
NOT_RUN = 4

_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(?P<reason>.*?)\s*-->\s*$")


@dataclasses.dataclass(frozen=True)
class Block:
    file: str  # relative to the repository root
    line: int  # of the opening fence, from 1
    lang: str
    text: str
    not_run: str | None  # the reason, for a marked block

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """The fenced blocks of one Markdown file, in order (indented fences too)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not re.match(rf"^{re.escape(m['indent'])}```[ \t]*$", lines[end]):
            end += 1
        assert end < len(lines), f"{path.name}:{i + 1}: the fenced block is never closed"
        marker = _NOT_RUN.match(lines[i - 1]) if i > 0 else None
        text = textwrap.dedent("\n".join(lines[i + 1:end])) + "\n"
        found.append(Block(str(path.relative_to(ROOT)), i + 1, m["lang"], text, marker["reason"] if marker else None))
        i = end + 1
    return found


ALL = [b for path in DOCS for b in blocks(path)]


# ---------------------------------------------------------------- running one file's blocks


class DocFailure(Exception):
    """A block failed; the message says which, and what it printed."""


def make_workdir(work: Path, model: Path) -> Path:
    """``work`` with ``adult.csv`` and ``adult.model.json``, and ``../shared`` beside it."""
    work.mkdir(parents=True)
    (work.parent / "shared").symlink_to(ADULT.parents[1], target_is_directory=True)
    (work / "adult.csv").symlink_to(ADULT)
    shutil.copy(model, work / "adult.model.json")
    return work


def run_python(block: Block, namespace: dict, work: Path) -> None:
    first = block.text.splitlines()[0] if block.text.strip() else ""
    try:
        if m := re.match(r"^#\s*([A-Za-z_]\w*)\.py\s*$", first):  # a module of the docs' example package
            (work / f"{m[1]}.py").write_text(block.text, encoding="utf-8")
            importlib.import_module(m[1])
            return
        if block.text.lstrip().startswith(">>>"):  # a doctest: its shown output is checked too
            run_doctest(block, namespace)
            return
        before = set(namespace)
        exec(compile(block.text, block.where, "exec"), namespace)  # noqa: S102 - the docs are ours
        for name in sorted(set(namespace) - before):
            if name.startswith("test_") and callable(namespace[name]):
                call_test(namespace[name])
    except Exception as exc:
        raise DocFailure(
            f"{block.where}: the python block raised {type(exc).__name__}: {exc}\n{block.text}\n"
            + "".join(traceback.format_exception(exc)[-6:])
        ) from None


def call_test(func) -> None:  # type: ignore[no-untyped-def]
    """Call a test function a block defines, once per parameter set of its
    ``pytest.mark.parametrize`` marks (as pytest would)."""
    cases: list[dict] = [{}]
    for mark in getattr(func, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        values = [v.values if isinstance(v, type(pytest.param(None))) else v for v in values]  # pytest.param(...)
        rows = [dict(zip(names, v if len(names) > 1 else (v,))) for v in values]
        cases = [{**c, **r} for c in cases for r in rows]
    for kwargs in cases:
        func(**kwargs)


def run_doctest(block: Block, namespace: dict) -> None:
    test = doctest.DocTestParser().get_doctest(block.text, namespace, block.where, block.file, block.line)
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=out.append, clear_globs=False)
    if runner.failures:
        raise DocFailure(f"{block.where}: the doctest block failed\n" + "".join(out))


def run_bash(block: Block, work: Path) -> None:
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.text], cwd=work,
        capture_output=True, text=True, timeout=600, check=False,
    )
    if proc.returncode != 0:
        raise DocFailure(
            f"{block.where}: the bash block exited with {proc.returncode}\n{block.text}\n"
            f"--- stdout (end) ---\n{proc.stdout[-3000:]}\n--- stderr (end) ---\n{proc.stderr[-3000:]}"
        )


def run_doc(doc: str, work: Path) -> str:
    """Run every runnable block of ``doc`` in order, in ``work``; this process is the file's."""
    start = time.perf_counter()
    os.chdir(work)
    sys.path.insert(0, str(work))
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("MPLBACKEND", "Agg")
    module = types.ModuleType("docs_snippets")  # a real module, so dataclasses in a block work
    sys.modules[module.__name__] = module
    warnings.simplefilter("default")  # as a user sees them: printed, not raised
    runnable = [b for b in ALL if b.file == doc and b.lang in RUN and b.not_run is None]
    for block in runnable:
        if block.lang == "python":
            run_python(block, module.__dict__, work)
        else:
            run_bash(block, work)
    counts = {lang: sum(b.lang == lang for b in runnable) for lang in RUN}
    return f"{doc}: ran {counts['python']} python and {counts['bash']} bash block(s) in {time.perf_counter() - start:.1f} s"


def main(argv: list[str]) -> int:
    doc, work = argv
    try:
        print(run_doc(doc, Path(work)), flush=True)
    except DocFailure as exc:
        print(exc, file=sys.stderr, flush=True)
        return 1
    return 0


# ---------------------------------------------------------------- in the background, one process per file
#
# Each CLI command in a bash block starts Python and imports polars, scipy and OpenDP (about
# 2 s), so the snippets take a while. conftest.py starts them when this module's tests are
# collected, on the cores pytest leaves idle (one process per file, at most two at a time),
# and each test here waits for its file's result.

_STATE: dict = {"futures": {}, "procs": [], "pool": None}


def _subprocess(args: list[str], timeout: float) -> tuple[int, str, str]:
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _STATE["procs"].append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -9, out, f"timed out after {timeout} s\n{err}"
    return proc.returncode, out, err


def start_runs(config: pytest.Config, docs: list[str] | None = None) -> None:
    """Start running the snippets of ``docs`` (default: every file) in the background."""
    wanted = [d for d in (docs or DOC_NAMES) if d not in _STATE["futures"]]
    if not wanted or not ADULT.exists():
        return
    if _STATE["pool"] is None:
        workers = max(1, min(2, (os.cpu_count() or 2) - 1))
        _STATE["pool"] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docs")
        _STATE["tmp"] = Path(tempfile.mkdtemp(prefix="datatwin-docs-"))
        model = _STATE["tmp"] / "adult.model.json"
        _STATE["model"] = _STATE["pool"].submit(
            _subprocess, [sys.executable, "-m", "datatwin", "fit", str(ADULT), "--missing", "?", "-q", "-o", str(model)], 600
        )
        config.add_cleanup(_stop)

    def job(doc: str) -> tuple[int, str, str]:
        code, out, err = _STATE["model"].result()
        if code != 0:
            return code, out, f"fitting the shared adult.model.json failed:\n{err}"
        work = make_workdir(_STATE["tmp"] / doc.replace("/", "_") / "work", _STATE["tmp"] / "adult.model.json")
        return _subprocess([sys.executable, __file__, doc, str(work)], 900)

    for doc in sorted(wanted, key=lambda d: d != "README.md"):  # the longest first
        _STATE["futures"][doc] = _STATE["pool"].submit(job, doc)


def _stop() -> None:
    pool = _STATE["pool"]
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
    for proc in _STATE["procs"]:
        if proc.poll() is None:
            proc.kill()
    if pool is not None:
        pool.shutdown(wait=True)
        shutil.rmtree(_STATE["tmp"], ignore_errors=True)
    _STATE.update(futures={}, procs=[], pool=None)


@pytest.mark.parametrize("doc", DOC_NAMES)
def test_doc_snippets_run(doc: str, request: pytest.FixtureRequest) -> None:
    if not any(b.file == doc and b.lang in RUN and b.not_run is None for b in ALL):
        pytest.skip(f"{doc} has no python or bash block to run")
    if not ADULT.exists():
        pytest.fail(f"missing real data {ADULT}: the repo must be checked out beside shared/")
    start_runs(request.config, [doc])  # already started by conftest.py, unless run otherwise
    code, out, err = _STATE["futures"][doc].result()
    assert code == 0, err[-8000:]
    assert out.rstrip().splitlines()[-1].startswith(f"{doc}: ran ")


@pytest.mark.parametrize("block", [b for b in ALL if b.not_run is not None], ids=lambda b: b.where)
def test_marked_blocks_say_why(block: Block) -> None:
    assert block.lang in RUN, f"{block.where}: only python and bash blocks run, so only they need the marker"
    assert len(block.not_run) >= 10, f"{block.where}: say why the block is not run"
    pytest.skip(f"{block.where} not run: {block.not_run}")


def test_marked_blocks_are_counted() -> None:
    marked = [f"{b.where}: {b.not_run}" for b in ALL if b.not_run is not None]
    assert len(marked) == NOT_RUN, "blocks marked not run:\n" + "\n".join(marked)
    assert sum(b.lang in RUN and b.not_run is None for b in ALL) >= 20  # most snippets do run


def test_every_block_is_run_or_an_illustration() -> None:
    """No snippet escapes by its language tag, and commands are tagged to run."""
    for b in ALL:
        assert b.lang in RUN + ILLUSTRATION, f"{b.where}: unknown block language {b.lang!r}; use python, bash or text"
        lines = [line for line in b.text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        commands = lines and all(line.startswith("datatwin ") for line in lines)
        synopsis = any("[" in line or re.search(r"\b[A-Z][A-Z_.]*[A-Z]\b", line) for line in lines)
        assert b.lang != "" or not commands or synopsis, (
            f"{b.where}: a block of datatwin commands is a bash block (and then runs), or an output sample with '$ '"
        )


if __name__ == "__main__":  # python tests/test_docs.py DOC WORKDIR: run one file's blocks
    sys.exit(main(sys.argv[1:]))
