"""Work over many documents spread across worker processes, when there is enough of it.

Parsing and chunking are pure Python, so threads would take turns on one core. A build's
uncached documents are independent of one another, and on a machine with CPUs to spare
(before the encoder pass, nothing else runs) worker processes read them side by side. A
worker is a fresh interpreter (`spawn`: never a fork of a process holding the model's or the
server's threads and locks), which costs about 0.7 s of start-up, so small batches of
documents stay in this process.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MIN_PARALLEL_CHARS = 1_000_000
"""Below this much text, one process is done before workers would have started: parsing,
chunking and counting words run at about 0.5 MB/s, a worker takes about 0.7 s to start."""
MAX_PROCESSES = 8
"""Each worker holds its own interpreter and tokenizer (about 100 MiB)."""
_TASKS_PER_PROCESS = 16
"""Items go out in about this many tasks per process: many documents make fewer round trips
than one by one, and the tasks stay small enough that none leaves the others idle at the end."""


def map_documents(work: Callable[[T], R], items: Sequence[T], sizes: Sequence[int], *, processes: int) -> list[R]:
    """`[work(item) for item in items]`, spread over `processes` (this one and workers) when there
    are two or more and the items' `sizes` (characters of text) add up to `MIN_PARALLEL_CHARS`;
    the same results in the same order either way.

    `work` and the items must pickle. Workers take the largest items first while this process
    takes the smallest, from the moment it starts (a worker needs most of a second to be ready),
    until they meet. If a worker cannot start or dies, what it had is done here: slower, never lost.
    """
    processes = min(processes, MAX_PROCESSES + 1, len(items))
    if processes < 2 or sum(sizes) < MIN_PARALLEL_CHARS:
        return [work(item) for item in items]
    largest_first = sorted(range(len(items)), key=lambda i: -sizes[i])
    per_task = max(1, len(items) // (processes * _TASKS_PER_PROCESS))
    tasks = [largest_first[first : first + per_task] for first in range(0, len(items), per_task)]
    results: dict[int, R] = {}
    try:
        pool = ProcessPoolExecutor(processes - 1, mp_context=multiprocessing.get_context("spawn"), initializer=gc.disable)
        try:
            futures = [pool.submit(_work_all, work, [items[i] for i in task]) for task in tasks]
            mine = 0
            # A task's future can be cancelled until a worker has taken it: what cancels is ours.
            while mine < len(tasks) and futures[-1 - mine].cancel():
                task = tasks[-1 - mine]
                results.update(zip(task, _work_all(work, [items[i] for i in task])))
                mine += 1
            for task, future in zip(tasks[: len(tasks) - mine], futures):
                results.update(zip(task, future.result()))
        finally:
            # On an error here, the tasks no worker has begun are dropped rather than run.
            pool.shutdown(wait=True, cancel_futures=True)
    except (BrokenProcessPool, OSError) as exc:
        log.warning("worker processes failed (%s); preparing the rest of %d documents in this process",
                    exc, len(items))
        results.update((i, work(items[i])) for i in range(len(items)) if i not in results)
    return [results[i] for i in range(len(items))]


def _work_all(work: Callable[[T], R], items: list[T]) -> list[R]:
    return [work(item) for item in items]
