"""Writing a sample as a folder of Parquet parts, one block at a time: memory bounded by a
block (:data:`datatwin.models.columns.BLOCK_ROWS` rows), whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from datatwin.errors import InputFileError

PART_GLOB = "part-*.parquet"


def check_parts_folder(folder: str | Path, overwrite: bool = False, option: str = "output") -> Path:
    """Fail before any work if ``folder`` cannot take the parts: its parent must exist, and
    a folder that already holds files is refused unless ``overwrite`` (which then removes
    only earlier parts, ``part-*.parquet``; nothing else in it is touched)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InputFileError(f"{option} {str(folder)!r} is a file; give a folder for the Parquet parts")
    if not folder.parent.exists():
        raise InputFileError(f"{option} {str(folder)!r}: folder {str(folder.parent)!r} does not exist")
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise InputFileError(
            f"{option} {str(folder)!r} already exists and is not empty; choose a new folder, or pass "
            "overwrite=True (--overwrite) to replace its Parquet parts"
        )
    return folder


def _write_part(frame: pl.DataFrame, path: Path) -> None:
    try:
        frame.write_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise InputFileError(
            f"output {str(path)!r}: could not write this Parquet part ({error}); check the disk's free space and "
            "the folder's permissions, then sample again with overwrite=True (--overwrite)"
        ) from error


def write_parts(blocks: Iterable[pl.DataFrame], folder: str | Path, overwrite: bool = False) -> tuple[int, int]:
    """Write each frame of ``blocks`` as ``folder/part-00000.parquet``, ``part-00001``, ...;
    returns (rows, parts). Read the folder back with ``pl.scan_parquet(folder / "*.parquet")``."""
    folder = check_parts_folder(folder, overwrite)
    folder.mkdir(exist_ok=True)
    for old in folder.glob(PART_GLOB):
        old.unlink()
    rows = parts = 0
    # one writer thread: Parquet encoding (polars, outside the GIL) overlaps the drawing of the
    # next block; at most one block waits to be written, so memory stays about two blocks
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="datatwin-parts") as writer:
        pending: Future[None] | None = None
        for frame in blocks:
            if pending is not None:
                pending.result()  # re-raises a failed write here, before drawing more
            pending = writer.submit(_write_part, frame, folder / f"part-{parts:05d}.parquet")
            rows += frame.height
            parts += 1
        if pending is not None:
            pending.result()
    return rows, parts
