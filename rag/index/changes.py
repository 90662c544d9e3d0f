"""Writes while serving: add, replace and delete documents without a rebuild.

`IndexWriter` owns the served index's write side. A write parses and embeds only its own
document (one found in the document cache is not parsed or embedded again), commits the file to the
corpus folder (the commit point: `rag.ingest.uploads`), then publishes a new `LiveIndex`, the
last build plus the documents written since. Readers keep the index they started with, so none
sees half a write. Writes run one at a time. Compaction builds the corpus anew from cached
vectors in the background and rebases the writes made meanwhile onto that build.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from rag.chunking import load_encoding
from rag.embedding import Embedder
from rag.errors import CorpusError, NotFoundError, TooLargeError, UnprocessableError
from rag.index.build import build_index
from rag.index.layout import build_lock, remove_old_builds
from rag.index.live import LiveIndex, live_index
from rag.index.load import LoadedIndex, load_configured_index
from rag.index.pieces import DocumentPieces, prepare_documents
from rag.index.document_cache import document_cache
from rag.ingest.corpus import SourceDocument, read_document, scan_corpus, sidecar_bytes, source_document
from rag.ingest.uploads import check_write_id, remove_file, write_file
from rag.settings import Settings

log = logging.getLogger(__name__)

ServedIndex = LoadedIndex | LiveIndex


class WriteOutcome(StrEnum):
    """What a write did."""

    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"
    DELETED = "deleted"


@dataclass(frozen=True)
class WriteResult:
    """A write's answer: what changed, and the index version that serves it."""

    doc_id: str
    outcome: WriteOutcome
    passages_added: int
    passages_removed: int
    version: str
    sha256: str | None


class IndexWriter:
    """Applies writes to the corpus folder and publishes each resulting index through `publish`."""

    def __init__(
        self, settings: Settings, base: LoadedIndex, embedder: Embedder, publish: Callable[[ServedIndex], None]
    ) -> None:
        self._settings = settings
        self._embedder = embedder
        self._publish = publish
        self._cache = document_cache(settings, embedder)
        self._tokenizer = load_encoding(settings.chunk.encoding, settings.tiktoken_cache_dir)
        self._lock = threading.Lock()
        self._compacting = threading.Lock()
        self._base = base
        self._live_sha = {d.doc_id: d.sha256 for d in base.manifest.documents}
        """The content hash of every document served: the build's, updated by each write."""
        self._pieces: dict[str, DocumentPieces] = {}
        self._hidden: set[str] = set()
        self._writes = 0
        self._served: ServedIndex = base
        self.last_write = 0.0
        """`time.monotonic()` of the last write that changed something."""

    @property
    def pending(self) -> int:
        """Documents written since the build (added, replaced or deleted): what compaction folds in."""
        with self._lock:
            return len(self._pieces.keys() | self._hidden)

    @property
    def pending_passages(self) -> int:
        """Passages of the documents written since the build (the in-memory segment's size)."""
        with self._lock:
            return sum(len(p.passages) for p in self._pieces.values())

    def put(self, doc_id: str, data: bytes, *, commit_file: bool = True) -> WriteResult:
        """Create or replace document `doc_id` with the file bytes `data`.

        With `commit_file` False the file is already in the corpus folder (the watcher found it).
        """
        check_write_id(doc_id)
        limit = self._settings.index.max_upload_bytes
        if len(data) > limit:
            raise TooLargeError(f"{doc_id}: {len(data)} bytes is over the {limit}-byte limit (RAG_MAX_UPLOAD_BYTES)")
        docs_dir = self._settings.docs_dir
        try:
            document = source_document(doc_id, data, sidecar_bytes(docs_dir, doc_id))
        except CorpusError as exc:
            raise UnprocessableError(str(exc)) from None
        if self._live_sha.get(doc_id) == document.sha256:
            return self._unchanged(doc_id, document.sha256)
        # Parsing and embedding run before the lock: other writes and every answer go on meanwhile.
        pieces = self._prepare(document)
        if not pieces.passages:
            raise UnprocessableError(f"{doc_id}: no transcript text found in it")
        pieces.count_words()
        with self._lock:
            previous = self._live_sha.get(doc_id)
            if previous == document.sha256:
                return self._unchanged(doc_id, document.sha256)
            removed = self._passages_of(doc_id)
            written = {**{d: p for d, p in self._pieces.items() if d != doc_id}, doc_id: pieces}
            hidden = self._hidden | ({doc_id} if doc_id in self._base.transcripts else set())
            # Made before the commit: if making the index fails, nothing was written.
            index = self._index_of(written, hidden, self._writes + 1)
            if commit_file:
                write_file(docs_dir, doc_id, data)
            self._live_sha[doc_id] = document.sha256
            self._pieces, self._hidden = written, hidden
            version = self._applied(index)
        outcome = WriteOutcome.CREATED if previous is None else WriteOutcome.REPLACED
        return WriteResult(doc_id, outcome, len(pieces.passages), removed, version, document.sha256)

    def delete(self, doc_id: str, *, commit_file: bool = True) -> WriteResult:
        """Remove document `doc_id` (NotFoundError when it is not served)."""
        with self._lock:
            if doc_id not in self._live_sha:
                raise NotFoundError(f"no document with id {doc_id!r}")
            removed = self._passages_of(doc_id)
            written = {d: p for d, p in self._pieces.items() if d != doc_id}
            hidden = self._hidden | ({doc_id} if doc_id in self._base.transcripts else set())
            index = self._index_of(written, hidden, self._writes + 1)
            if commit_file:
                remove_file(self._settings.docs_dir, doc_id)
            del self._live_sha[doc_id]
            self._pieces, self._hidden = written, hidden
            version = self._applied(index)
        return WriteResult(doc_id, WriteOutcome.DELETED, 0, removed, version, None)

    def served_sha(self, doc_id: str) -> str | None:
        """The content hash of the version of `doc_id` being served (None: not served)."""
        return self._live_sha.get(doc_id)

    def compact(self) -> bool:
        """Build the corpus anew (vectors from the cache) and rebase later writes onto the build.

        Answers go on from the current index meanwhile; returns False when there was nothing to do.
        """
        with self._compacting:
            with self._lock:
                if not (self._pieces or self._hidden):
                    return False
                # Read under the lock: the build sees every committed write and no half of one.
                scan = scan_corpus(self._settings.docs_dir, max_bytes=self._settings.index.max_upload_bytes)
            started = time.perf_counter()
            folder = build_index(self._settings, self._embedder, self._tokenizer, scan=scan)
            self.rebase(self._load_current())
            # The build before holds the text of deleted and replaced documents: gone now, not a
            # round later. This process no longer reads it; its maps of it stay valid until dropped.
            with build_lock(self._settings.index_dir):
                remove_old_builds(self._settings.index_dir, keep={folder.name})
            log.info("compacted: %d documents built from the document cache in %.2f s", len(scan.documents),
                     time.perf_counter() - started)
            return True

    def rebase(self, base: LoadedIndex) -> None:
        """Serve `base` plus the writes it does not hold yet (after compaction or a reload)."""
        with self._lock:
            base_sha = {d.doc_id: d.sha256 for d in base.manifest.documents}
            stale = {doc_id for doc_id, sha in self._live_sha.items() if base_sha.get(doc_id) != sha}
            self._pieces = {doc_id: p for doc_id, p in self._pieces.items() if doc_id in stale}
            for doc_id in stale - self._pieces.keys():
                self._read_from_folder(doc_id)
            self._hidden = {doc_id for doc_id, sha in base_sha.items() if self._live_sha.get(doc_id) != sha}
            self._base = base
            self._publish_state()

    def _read_from_folder(self, doc_id: str) -> None:
        """Prepare a served document the new base lacks from its file (from the cache, normally)."""
        try:
            pieces = self._prepare(read_document(self._settings.docs_dir / doc_id, doc_id,
                                                 max_bytes=self._settings.index.max_upload_bytes))
        except (OSError, CorpusError, UnprocessableError) as exc:
            log.warning("%s is no longer readable, no longer served: %s", doc_id, exc)
            del self._live_sha[doc_id]
            return
        self._live_sha[doc_id] = pieces.sha256
        self._pieces[doc_id] = pieces

    def _prepare(self, document: SourceDocument) -> DocumentPieces:
        """One document's pieces (UnprocessableError when no reader can parse it)."""
        prepared, unparseable = prepare_documents(
            [document], self._tokenizer, self._settings.chunk, self._embedder, self._cache,
            batch_size=self._settings.embed.batch_size,
        )
        if unparseable:
            raise UnprocessableError(unparseable[0].reason)
        return prepared[0]

    def _load_current(self) -> LoadedIndex:
        return load_configured_index(self._settings, self._embedder.model)

    def _passages_of(self, doc_id: str) -> int:
        """How many passages the served version of `doc_id` has (the lock is held)."""
        if doc_id in self._pieces:
            return len(self._pieces[doc_id].passages)
        entry = self._base.transcripts.entry(doc_id)
        if entry is None or doc_id in self._hidden:
            return 0
        return entry.end_passage - entry.first_passage

    def _applied(self, index: ServedIndex) -> str:
        """Count a write and publish the index it made (the lock is held); returns its version."""
        self._writes += 1
        self.last_write = time.monotonic()
        self._served = index
        self._publish(index)
        return index.version

    def _publish_state(self) -> None:
        """Publish the index the state now describes (the lock is held)."""
        self._served = self._index_of(self._pieces, self._hidden, self._writes)
        self._publish(self._served)

    def _index_of(self, written: dict[str, DocumentPieces], hidden: set[str], writes: int) -> ServedIndex:
        """The build with `hidden` documents taken out and the `written` ones added."""
        if not (written or hidden):
            return self._base
        # The served segment's merged BM25 postings are extended, not redone, when documents
        # were only added after it (the common write).
        previous = self._served.segment if isinstance(self._served, LiveIndex) else None
        return live_index(self._base, list(written.values()), frozenset(hidden), writes, previous)

    def _unchanged(self, doc_id: str, sha256: str) -> WriteResult:
        return WriteResult(doc_id, WriteOutcome.UNCHANGED, 0, 0, self._served.version, sha256)

