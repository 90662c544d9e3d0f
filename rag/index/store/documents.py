"""The document store: one build's transcripts as JSON lines, decoded on demand behind an LRU cache
bounded in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path

import msgspec
import numpy as np

from rag.index.store.arrays import column
from rag.index.store.layout import DEFAULT_CACHE_BYTES
from rag.types import DocumentEntry, Transcript


class DocumentStore(Mapping[str, Transcript]):
    """Transcripts by document id, decoded from disk on demand, the most recent ones cached.

    Membership, iteration, `len` and `entries` (per-document metadata) never decode a
    transcript; `store[doc_id]` decodes one (or takes it from the cache). `values()` and
    `items()` decode every document in turn: avoid them on large corpora.
    """

    def __init__(self, folder: Path, cache_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        """Open the store in `folder`, keeping decoded the transcripts used most recently whose
        lines in the file add up to at most `cache_bytes` (0: none; the last one used is kept even
        when it alone is larger)."""
        self.entries: list[DocumentEntry] = msgspec.json.decode(
            (folder / "catalog.json").read_bytes(), type=list[DocumentEntry]
        )
        """Metadata of every document, in document-number order."""
        self._numbers = {entry.doc_id: number for number, entry in enumerate(self.entries)}
        self._offsets = column(folder, "offsets")
        if len(self._offsets) != len(self.entries) + 1:
            raise ValueError("document store: offsets do not match the catalog")
        size = (folder / "transcripts.jsonl").stat().st_size
        if int(self._offsets[-1]) != size:
            raise ValueError("document store: offsets do not match the transcripts file")
        # np.memmap cannot map an empty file (a store of no documents).
        lines = np.memmap(folder / "transcripts.jsonl", dtype=np.uint8, mode="r") if size else np.zeros(0, np.uint8)
        self._lines = lines.view(np.ndarray)
        self._decoder = msgspec.json.Decoder(Transcript)
        self._cache: OrderedDict[int, Transcript] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._lock = threading.Lock()

    @property
    def doc_ids(self) -> list[str]:
        """Document ids by document number."""
        return [entry.doc_id for entry in self.entries]

    def entry(self, doc_id: str) -> DocumentEntry | None:
        """The metadata of `doc_id`, None if unknown."""
        number = self._numbers.get(doc_id)
        return None if number is None else self.entries[number]

    def __contains__(self, doc_id: object) -> bool:
        """Whether `doc_id` is in the store (decodes nothing)."""
        return doc_id in self._numbers

    def __iter__(self) -> Iterator[str]:
        """Document ids in document-number order (decodes nothing)."""
        return iter(self._numbers)

    def __len__(self) -> int:
        """Number of documents."""
        return len(self.entries)

    def __getitem__(self, doc_id: str) -> Transcript:
        """The parsed transcript of `doc_id` (KeyError if unknown)."""
        return self.transcript(self._numbers[doc_id])

    def transcript(self, number: int) -> Transcript:
        """The parsed transcript of document number `number`."""
        with self._lock:
            cached = self._cache.get(number)
            if cached is not None:
                self._cache.move_to_end(number)
                return cached
        # Decoded outside the lock: two threads may decode the same document once each,
        # which is cheaper than making every reader wait on one decode.
        line = self._lines[int(self._offsets[number]) : int(self._offsets[number + 1])]
        transcript = self._decoder.decode(memoryview(line))
        if self._cache_bytes > 0:
            with self._lock:
                if number not in self._cache:
                    self._cached_bytes += self._line_bytes(number)
                self._cache[number] = transcript
                self._cache.move_to_end(number)
                while self._cached_bytes > self._cache_bytes and len(self._cache) > 1:
                    evicted, _ = self._cache.popitem(last=False)
                    self._cached_bytes -= self._line_bytes(evicted)
        return transcript

    def _line_bytes(self, number: int) -> int:
        return int(self._offsets[number + 1]) - int(self._offsets[number])

    def cached(self) -> int:
        """How many decoded transcripts the cache holds now."""
        return len(self._cache)

    def cached_bytes(self) -> int:
        """The bytes of the file's lines the cached transcripts were decoded from."""
        return self._cached_bytes
