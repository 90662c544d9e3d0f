"""Resolving request filters to the passage positions they allow, with clear errors for unknown values.

Everything is decided per document (ids, dates) or per speaker name, then spread over the
passage columns with numpy: no Python loop over passages, and only the speaker columns of
the passage table are touched.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from rag.errors import InputError
from rag.query.protocols import ReadIndex
from rag.types import Filters
from rag.ingest.names import speaker_key

_LISTED = 10


def allowed_positions(index: ReadIndex, filters: Filters | None) -> np.ndarray | None:
    """Positions of passages that pass `filters` (None: everything passes).

    Unknown document ids or speakers and malformed dates raise `InputError`: a typo must
    not look like "no answer".
    """
    if filters is None or filters.is_empty():
        return None
    documents = _known_documents(index, filters.documents)
    speakers = _known_speakers(index, filters.speakers)
    date_from = _parse_date("date_from", filters.date_from)
    date_to = _parse_date("date_to", filters.date_to)
    if date_from and date_to and date_from > date_to:
        raise InputError(f"date_from {date_from} is after date_to {date_to}")
    dated_documents = _documents_in_range(index, date_from, date_to)
    store = index.transcripts
    # Per document first: a document's passages are one run of positions, so the
    # document mask spreads to passages by repeating it over each run.
    document_ok = np.ones(len(store), dtype=bool)
    for chosen in (documents, dated_documents):
        if chosen is not None:
            document_ok &= store.mask_of(chosen)
    allowed = np.repeat(document_ok, store.passage_counts)
    if speakers is not None:
        table = index.passages
        allowed &= table.speakers.rows_with_any(table.names_marked(speakers)[table.speakers.values])
    return np.flatnonzero(allowed).astype(np.int64)


def _known_documents(index: ReadIndex, requested: list[str] | None) -> set[str] | None:
    if not requested:
        return None
    unknown = sorted(doc_id for doc_id in set(requested) if doc_id not in index.transcripts)
    if unknown:
        raise InputError(f"unknown document ids: {', '.join(map(repr, unknown[:_LISTED]))}; see GET /documents")
    return set(requested)


def _known_speakers(index: ReadIndex, requested: list[str] | None) -> set[str] | None:
    if not requested:
        return None
    known = {speaker_key(s.name): s.name for e in index.transcripts.entries for s in e.speakers}
    wanted = {speaker_key(name): name for name in requested}
    unknown = sorted(name for key, name in wanted.items() if key not in known)
    if unknown:
        raise InputError(f"unknown speakers: {', '.join(map(repr, unknown[:_LISTED]))}; see GET /documents")
    return set(wanted)


def _parse_date(name: str, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}") from None


def _documents_in_range(index: ReadIndex, date_from: dt.date | None, date_to: dt.date | None) -> set[str] | None:
    if date_from is None and date_to is None:
        return None
    # A document without a full date cannot be placed in a range, so it is left out.
    return {
        t.doc_id
        for t in index.transcripts.entries
        if t.date
        and (date_from is None or dt.date.fromisoformat(t.date) >= date_from)
        and (date_to is None or dt.date.fromisoformat(t.date) <= date_to)
    }
