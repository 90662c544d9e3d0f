"""The boundary between readers and the rest: whatever a malformed file trips is a CorpusError.

Readers raise CorpusError for what they know to be wrong with a file. A file can still trip
something no reader foresaw, in our code or in a library under it (an XML, YAML or PDF parser).
Such a file is set aside with a reason, like any unreadable one: it never stops a build of the
other files, and an upload of it is answered 422, not 500. The traceback is logged, because it
is a bug to fix.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from rag.errors import CorpusError

log = logging.getLogger(__name__)


@contextlib.contextmanager
def unforeseen_as_unreadable(doc_id: str, reader: str) -> Iterator[None]:
    """Turn any exception but CorpusError and MemoryError raised inside into a CorpusError naming
    `doc_id` and the `reader` that failed."""
    try:
        yield
    except (CorpusError, MemoryError):
        raise
    except Exception as exc:
        log.exception("%s: the %s reader failed on this file", doc_id, reader)
        raise CorpusError(
            f"{doc_id}: the {reader} reader failed on this file ({type(exc).__name__}: {exc}); "
            "the file is set aside (a bug in the reader: the log has the details)"
        ) from exc
