"""Drawing a sample on several threads, with the same values as on one.

Every block of :data:`~datatwin.models.columns.BLOCK_ROWS` rows draws from its own stream
(:func:`~datatwin.models.columns.block_seed`), and within a block every column from a stream
keyed by its name, so blocks and columns can be drawn in any order, on any thread, and the
sample is the same. numpy's generators and array kernels and polars' kernels release the
GIL, so a second thread draws while the first finishes its own work (and, in
:func:`datatwin.io.parts.write_parts`, while a writer thread encodes Parquet).

Threads are used at one level only, the blocks: within a block every family draws serially
(so a sample of up to one block, a million rows, is timed as one thread's work).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from datatwin.models.independent import single_threaded_blas

__all__ = ["SAMPLE_THREADS", "draw_blocks", "map_ahead", "sample_threads"]

T = TypeVar("T")
R = TypeVar("R")

#: threads drawing at once (``DATATWIN_SAMPLE_THREADS`` overrides; 1 draws in the caller's
#: thread). Each thread drawing a block holds it, so memory grows by a block per thread.
SAMPLE_THREADS = 2


def sample_threads() -> int:
    """The number of threads drawing: ``DATATWIN_SAMPLE_THREADS`` if set (an integer >= 1),
    else :data:`SAMPLE_THREADS` capped at the machine's cores."""
    env = os.environ.get("DATATWIN_SAMPLE_THREADS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    return max(1, min(SAMPLE_THREADS, os.cpu_count() or 1))


def map_ahead(fn: Callable[[T], R], items: Iterable[T], threads: int | None = None) -> Iterator[R]:
    """``fn(item)`` for each of ``items``, in order, with up to ``threads`` calls running at
    once on worker threads; ``items`` is consumed lazily in the caller's thread (so a random
    stream read there keeps its order), at most ``threads`` ahead of the results. An error
    is raised when its item's turn comes; closing the iterator early cancels what has not
    started."""
    threads = sample_threads() if threads is None else threads
    if threads <= 1:
        for item in items:
            yield fn(item)
        return
    source = iter(items)
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="datatwin-draw")
    # BLAS threads limited here, around all workers: a worker that limits them itself (the
    # copula does) then restores this limit, not a limit another worker set, and the caller's
    # own setting comes back when the last block is done
    blas = single_threaded_blas()
    blas.__enter__()
    try:
        pending: deque[Future[R]] = deque()
        exhausted = False
        while True:
            while not exhausted and len(pending) < threads:
                try:
                    pending.append(executor.submit(fn, next(source)))
                except StopIteration:
                    exhausted = True
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        blas.__exit__(None, None, None)


def draw_blocks(count: int, draw: Callable[[int], T], threads: int | None = None) -> Iterator[T]:
    """``draw(0)``, ``draw(1)``, ... ``draw(count - 1)`` in order, up to ``threads`` at once."""
    if count <= 1:
        return (draw(b) for b in range(count))
    return map_ahead(draw, range(count), threads)
