"""Applying a `Where` to the passage table: the positions of the passages it allows, in order."""

from __future__ import annotations

import numpy as np

from rag.index.store import DocumentStore, PassageTable
from rag.types import Where


def positions_where(transcripts: DocumentStore, passages: PassageTable, where: Where) -> np.ndarray:
    """Ascending positions of the passages `where` allows.

    A document's passages are one run of positions, so a document restriction reads only those
    runs; a speaker restriction reads the speaker columns of those runs (of every passage when
    no document is named), with no Python loop over passages.
    """
    if where.documents is None:
        runs = [(0, len(passages))]
    else:
        entries = (transcripts.entry(doc_id) for doc_id in where.documents)
        runs = sorted((e.first_passage, e.end_passage) for e in entries if e is not None)
    if where.speakers is None:
        parts = [np.arange(first, stop, dtype=np.int64) for first, stop in runs]
    else:
        marked = passages.names_marked(where.speakers)
        speakers = passages.speakers
        parts = []
        for first, stop in runs:
            names = speakers.values[speakers.offsets[first] : speakers.offsets[stop]]
            parts.append(first + np.flatnonzero(speakers.rows_with_any(marked[names], first, stop)))
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
