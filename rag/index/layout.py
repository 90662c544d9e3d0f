"""The index folder: builds side by side, `current` swapped atomically, one builder at a time.

Layout of `index_dir`::

    current -> builds/<build id>     symlink, replaced atomically by os.replace
    documents.sqlite                 each document's transcript, passages and vectors, by content
                                     (rag.index.document_cache; shared by every build)
    calibration.json                 a threshold fitted by `rag eval --calibrate` (optional)
    builds/<build id>/manifest.json  settings, model hash, corpus fingerprint, file checksums
                     /passages.faiss FAISS inner-product index of passage vectors (flat or HNSW: rag/ann.py)
                     /passages/      passage table: one memory-mapped .npy column per field,
                                     CSR arrays for speakers and sentences, string tables
                                     (see rag.index.store for every file)
                     /documents/     parsed transcripts, one JSON line each, with offsets and
                                     the per-document metadata kept in memory (rag.index.store)
                     /sentences.npy  unit vectors of every distinct sentence (no pickle; memory-mapped)
                     /bm25/          BM25 index of the passages (bm25s: .npy and .json)
                     /bm25_sentences/ BM25 index of the sentences, rows as in sentences.npy
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from rag.index.lexical import BM25_FILES
from rag.index.store import DOCUMENT_FILES, PASSAGE_FILES
from rag.ingest.uploads import fsync_dir

CURRENT_LINK = "current"
BUILDS_DIR = "builds"
BM25_DIR = "bm25"
SENTENCE_BM25_DIR = "bm25_sentences"
DATA_FILES = ("passages.faiss", "sentences.npy") + PASSAGE_FILES + DOCUMENT_FILES + tuple(
    f"{folder}/{name}" for folder in (BM25_DIR, SENTENCE_BM25_DIR) for name in BM25_FILES
)
"""Every data file of a build, relative to its folder (each checksummed in the manifest)."""


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's lock: builds (and their swaps) run one at a time."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def swap_current(index_dir: Path, build: Path) -> None:
    """Point `current` at `build` atomically (a reader sees the old build or the new, never neither)."""
    temporary_link = index_dir / f".{CURRENT_LINK}.{uuid.uuid4().hex}"
    temporary_link.symlink_to(build.relative_to(index_dir))
    os.replace(temporary_link, index_dir / CURRENT_LINK)
    fsync_dir(index_dir)


def current_build_name(index_dir: Path) -> str | None:
    """The folder name of the build `current` points to, None when there is none."""
    link = index_dir / CURRENT_LINK
    return link.resolve().name if link.exists() else None


def remove_old_builds(index_dir: Path, keep: set[str]) -> None:
    """Delete superseded builds and the leftovers of crashed ones (the build lock is held)."""
    for build in (index_dir / BUILDS_DIR).iterdir():
        if build.name not in keep:
            shutil.rmtree(build, ignore_errors=True)
