"""Drawing the blocks of a large sample on several threads.

Every block of :data:`~datatwin.models.columns.BLOCK_ROWS` rows draws from its own stream
(:func:`~datatwin.models.columns.block_seed`), so blocks can be drawn in any order, on any
thread, and the sample is the same. numpy's generators and array kernels and polars' kernels
release the GIL, so a second thread draws the next block while the first finishes its own
(and, in :func:`datatwin.io.parts.write_parts`, while a third encodes Parquet).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

__all__ = ["SAMPLE_THREADS", "draw_blocks", "sample_threads"]

#: threads drawing blocks at once (``DATATWIN_SAMPLE_THREADS`` overrides; 1 draws in the
#: caller's thread). Each thread holds one block, so memory grows by a block per thread.
SAMPLE_THREADS = 2


def sample_threads() -> int:
    """The number of threads drawing blocks: ``DATATWIN_SAMPLE_THREADS`` if set (an integer
    >= 1), else :data:`SAMPLE_THREADS` capped at the machine's cores."""
    env = os.environ.get("DATATWIN_SAMPLE_THREADS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return max(1, min(SAMPLE_THREADS, os.cpu_count() or 1))


def draw_blocks(count: int, draw: Callable[[int], pl.DataFrame], threads: int | None = None) -> Iterator[pl.DataFrame]:
    """``draw(0)``, ``draw(1)``, ... ``draw(count - 1)`` in order, with up to ``threads``
    blocks drawn at once ahead of the consumer. An error in a block is raised when that
    block's turn comes; closing the iterator early cancels the blocks not yet started."""
    threads = sample_threads() if threads is None else threads
    if threads <= 1 or count <= 1:
        for b in range(count):
            yield draw(b)
        return
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="datatwin-block")
    try:
        pending: deque[Future[pl.DataFrame]] = deque()
        ahead = 0
        for _ in range(count):
            while ahead < count and len(pending) < threads:
                pending.append(executor.submit(draw, ahead))
                ahead += 1
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
