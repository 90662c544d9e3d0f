"""Documents parsed and chunked in worker processes give what this process gives, in order."""

from __future__ import annotations

import functools
import multiprocessing
import os
import time

import pytest

from rag.chunking import TokenCounter
from rag.index.pieces import _parse_and_chunk
from rag.index.processes import MIN_PARALLEL_CHARS, map_documents
from rag.ingest.corpus import SourceDocument, Unreadable, read_corpus
from rag.settings import Settings
from tests.conftest import QMSUM_DOCS, SEEDS


def _documents() -> list[SourceDocument]:
    """The seeds, the public meetings (enough text for workers), and two files no reader parses."""
    documents = [*read_corpus(SEEDS), *read_corpus(QMSUM_DOCS)]
    return [*documents, SourceDocument("notes.xyz", "no reader for this suffix", "0" * 64),
            SourceDocument("empty.xml", "<root><p>not a transcript</p></root>", "1" * 64)]


@pytest.mark.skipif(not QMSUM_DOCS.is_dir(), reason="public benchmark corpus not present")
def test_workers_prepare_what_this_process_prepares(settings: Settings, tokenizer: TokenCounter) -> None:
    documents = _documents()
    sizes = [len(d.text) for d in documents]
    assert sum(sizes) >= MIN_PARALLEL_CHARS  # else the workers are never used
    work = functools.partial(_parse_and_chunk, tokenizer=tokenizer, chunk=settings.chunk)
    here = map_documents(work, documents, sizes, processes=1)
    spread = map_documents(work, documents, sizes, processes=3)
    assert spread == here
    assert [r.doc_id if isinstance(r, Unreadable) else r.transcript.doc_id for r in spread] == [
        d.doc_id for d in documents
    ]
    unreadable = [r for r in spread if isinstance(r, Unreadable)]
    assert [u.doc_id for u in unreadable] == ["notes.xyz", "empty.xml"]
    assert all(u.reason for u in unreadable)


def test_small_batches_stay_in_this_process() -> None:
    assert map_documents(_pid_of, ["a", "b", "c"], [10, 10, 10], processes=4) == [os.getpid()] * 3


def test_work_is_shared_with_workers_when_there_is_enough() -> None:
    items = [f"document {i}" for i in range(64)]
    pids = map_documents(_slow_pid_of, items, [MIN_PARALLEL_CHARS] * len(items), processes=2)
    assert len(pids) == len(items)
    assert os.getpid() in pids  # this process takes the smallest while the worker starts
    assert len(set(pids)) == 2


def test_a_worker_that_dies_loses_nothing(caplog: pytest.LogCaptureFixture) -> None:
    items = [f"item {i}" for i in range(40)]
    results = map_documents(_dies_in_a_worker, items, [MIN_PARALLEL_CHARS] * len(items), processes=3)
    assert results == [item.upper() for item in items]
    assert "worker processes failed" in caplog.text


def _pid_of(_: str) -> int:
    return os.getpid()


def _slow_pid_of(_: str) -> int:
    # Long enough per item that a worker is up before this process has done them all.
    time.sleep(0.05)
    return os.getpid()


def _dies_in_a_worker(item: str) -> str:
    if multiprocessing.parent_process() is not None:
        os._exit(1)
    return item.upper()
