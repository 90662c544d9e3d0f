"""Resolving request filters to what they allow (documents, speakers), with clear errors for unknown values.

Everything is decided per document (ids, dates) or per speaker name, as a `Where` that the
index (or any store) applies to its passages.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from rag.errors import InputError
from rag.query.protocols import ReadIndex
from rag.types import Filters, Where
from rag.ingest.names import speaker_key

_LISTED = 10


def resolve_filters(index: ReadIndex, filters: Filters | None) -> Where | None:
    """The passages `filters` allow, as a `Where` the index applies (None: everything passes).

    Unknown document ids or speakers and malformed dates raise `InputError`: a typo must
    not look like "no answer". Dates are resolved here to the documents in range.
    """
    if filters is None or filters.is_empty():
        return None
    documents = _known_documents(index, filters.documents)
    speakers = _known_speakers(index, filters.speakers)
    date_from = _parse_date("date_from", filters.date_from)
    date_to = _parse_date("date_to", filters.date_to)
    if date_from and date_to and date_from > date_to:
        raise InputError(f"date_from {date_from} is after date_to {date_to}")
    dated = _documents_in_range(index, date_from, date_to)
    if documents is not None and dated is not None:
        documents &= dated
    elif dated is not None:
        documents = dated
    return Where(
        documents=None if documents is None else frozenset(documents),
        speakers=None if speakers is None else frozenset(speakers),
    )


def allowed_positions(index: ReadIndex, filters: Filters | None) -> np.ndarray | None:
    """Positions of the passages `filters` allow (None: everything passes); see `resolve_filters`."""
    where = resolve_filters(index, filters)
    return None if where is None else index.positions(where)


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
