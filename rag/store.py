"""Passages and transcripts on disk, read through memory maps: resident memory stays small.

At a million passages, a `list[Passage]` and a dict of parsed transcripts are millions of
Python objects (gigabytes). Here they live in plain files inside the build folder and are
turned into `Passage` and `Transcript` values only when asked for:

* `PassageTable` keeps one `.npy` column per passage field, opened with
  `np.load(mmap_mode="r")`: the operating system pages in what a request touches, and
  those pages are clean file pages it can drop again under pressure. Variable-length
  fields (speakers, sentences) are CSR arrays (row offsets + values), strings are ids
  into string tables (one UTF-8 blob + offsets).
* `DocumentStore` keeps every transcript as one JSON line, found through an offsets
  array and decoded on demand behind a small LRU cache; the per-document metadata that
  listings and filters need (title, date, speakers...) stays in memory, since it grows
  with documents, not passages.

Layout (inside a build folder)::

    passages/ids.npy             uint64, the 8-byte passage id (blake2b hex, see chunking.passage_id)
             id_sorted.npy       uint64, the ids sorted, for binary search
             id_order.npy        int64, position of each sorted id
             doc.npy             int32, document number (row of documents/catalog.json)
             turn.npy, last_turn.npy  int32, turn indexes
             kind.npy            uint8, index into KINDS
             start.npy, end.npy  int64, cited span
             speaker.npy, role.npy  int32, ids into the names/roles tables (-1: None)
             context.npy         int32, id into the contexts table (-1: None)
             speakers_offsets.npy, speakers_values.npy  CSR: names ids of everyone who speaks
             sentences_offsets.npy, sentence_starts.npy, sentence_ends.npy  CSR: sentence spans
             sentence_rows.npy   int64, row of each sentence in sentences.npy (CSR with the spans)
             names_blob.npy, names_offsets.npy         string table of speaker names
             roles_blob.npy, roles_offsets.npy         string table of roles
             contexts_blob.npy, contexts_offsets.npy   string table of contexts (questions)
    documents/catalog.json       per-document metadata, passage ranges; row = document number
             transcripts.jsonl   one JSON `Transcript` per line, in catalog order
             offsets.npy         int64, byte offset of each line (n + 1 entries)
"""

from __future__ import annotations

import functools
import mmap
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import overload

import msgspec
import numpy as np

from rag.records import DocumentSummary, Passage, Sentence, Transcript, TurnKind
from rag.transcripts import speaker_key

PASSAGES_DIR = "passages"
DOCUMENTS_DIR = "documents"

KINDS: tuple[TurnKind, ...] = tuple(TurnKind)
"""Kind codes: `kind.npy` holds the index of a passage's kind in this tuple."""

_STRING_TABLES = ("names", "roles", "contexts")
_COLUMNS = (
    "ids", "id_sorted", "id_order", "doc", "turn", "last_turn", "kind", "start", "end", "speaker", "role",
    "context", "speakers_offsets", "speakers_values", "sentences_offsets", "sentence_starts", "sentence_ends",
    "sentence_rows",
)
PASSAGE_FILES: tuple[str, ...] = tuple(f"{PASSAGES_DIR}/{name}.npy" for name in _COLUMNS) + tuple(
    f"{PASSAGES_DIR}/{table}_{part}.npy" for table in _STRING_TABLES for part in ("blob", "offsets")
)
"""Every file of a passage table, relative to the build folder."""
DOCUMENT_FILES: tuple[str, ...] = tuple(
    f"{DOCUMENTS_DIR}/{name}" for name in ("catalog.json", "transcripts.jsonl", "offsets.npy")
)
"""Every file of a document store, relative to the build folder."""

DEFAULT_CACHE_SIZE = 32
"""Decoded transcripts a `DocumentStore` keeps."""
DEFAULT_PASSAGE_CACHE_SIZE = 1024
"""Passages a `PassageTable` keeps once made (about 1 KB each)."""
# A passage id as `chunking.passage_id` writes it; anything else cannot be in the table
# (and must not match by accident: "ABC..." is not the id "abc...").
_PASSAGE_ID = re.compile(r"[0-9a-f]{16}")
_NONE = -1


class Ragged:
    """Variable-length rows stored flat (CSR): row i is `values[offsets[i]:offsets[i + 1]]`."""

    def __init__(self, offsets: np.ndarray, values: np.ndarray) -> None:
        if offsets.ndim != 1 or len(offsets) == 0 or offsets[-1] != len(values):
            raise ValueError("ragged array: offsets do not match the values")
        self.offsets = offsets
        self.values = values

    def __len__(self) -> int:
        """Number of rows."""
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> np.ndarray:
        """Row `row` as a read-only view of the values (no copy)."""
        return self.values[self.offsets[row] : self.offsets[row + 1]]

    def rows_with_any(self, hit: np.ndarray, first: int = 0, stop: int | None = None) -> np.ndarray:
        """A boolean per row of `[first, stop)`: True where some value of the row is marked in `hit`.

        `hit` is a boolean per value of those rows (`values[offsets[first]:offsets[stop]]`).
        """
        stop = len(self) if stop is None else stop
        bounds = np.asarray(self.offsets[first : stop + 1]) - self.offsets[first]
        # Counting hits with a running sum answers "any hit in the row" for every row at
        # once, empty rows included, without a Python loop.
        running = np.concatenate(([0], np.cumsum(hit, dtype=np.int64)))
        return running[bounds[1:]] > running[bounds[:-1]]


class StringTable:
    """Strings stored as one UTF-8 blob and offsets; `table[i]` decodes string i."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._encoded = Ragged(offsets, blob)

    def __len__(self) -> int:
        """Number of strings."""
        return len(self._encoded)

    def __getitem__(self, i: int) -> str:
        """String `i`, decoded from the blob."""
        return self._encoded[i].tobytes().decode("utf-8")

    def to_list(self) -> list[str]:
        """Every string, decoded (for the small tables: names and roles)."""
        return [self[i] for i in range(len(self))]


class DocumentEntry(DocumentSummary, frozen=True):
    """What is kept in memory per document: its listing, and where its passages are (date
    filters and the speaker directory need no more)."""

    first_passage: int
    """Passages of a document are contiguous: positions `[first_passage, end_passage)`."""
    end_passage: int


# ---------------------------------------------------------------- writing


def write_store(build: Path, transcripts: Sequence[Transcript], passages: Sequence[Passage],
                sentence_rows: Sequence[Sequence[int]]) -> None:
    """Write the passage table and the document store of one build into the folder `build`.

    `passages` are in document then source order (as the chunker returns them) and
    `sentence_rows[i]` gives, for each sentence of passage i, its row in sentences.npy.
    """
    numbers = {t.doc_id: i for i, t in enumerate(transcripts)}
    doc = np.array([numbers[p.doc_id] for p in passages], dtype=np.int32)
    # Document-level ranges (filters, speakers) rely on each document's passages being one run.
    if len(doc) and np.any(np.diff(doc) < 0):
        raise ValueError("passages must come in document order")
    bounds = np.searchsorted(doc, np.arange(len(transcripts) + 1), side="left")
    _write_passages(build / PASSAGES_DIR, passages, doc, sentence_rows)
    _write_documents(build / DOCUMENTS_DIR, transcripts, bounds)


def _write_passages(folder: Path, passages: Sequence[Passage], doc: np.ndarray,
                    sentence_rows: Sequence[Sequence[int]]) -> None:
    folder.mkdir(parents=True)
    names: dict[str, int] = {}
    roles: dict[str, int] = {}
    contexts: dict[str, int] = {}

    def intern(table: dict[str, int], value: str | None) -> int:
        # Contexts repeat (one question answered by several passages): store each once.
        return _NONE if value is None else table.setdefault(value, len(table))

    for p in passages:
        if not _PASSAGE_ID.fullmatch(p.id):
            raise ValueError(f"passage id {p.id!r} is not 16 lower-case hex digits")
    ids = np.array([int(p.id, 16) for p in passages], dtype=np.uint64)
    # Stable: among equal ids the later position sorts last, the one `position_of` returns.
    order = np.argsort(ids, kind="stable")
    sentence_counts = [len(p.sentences) for p in passages]
    if [len(rows) for rows in sentence_rows] != sentence_counts:
        raise ValueError("sentence rows do not match the passages' sentences")
    columns: dict[str, np.ndarray] = {
        "ids": ids,
        "id_sorted": ids[order],
        "id_order": order.astype(np.int64),
        "doc": doc,
        "turn": np.array([p.turn_index for p in passages], dtype=np.int32),
        "last_turn": np.array([p.last_turn_index for p in passages], dtype=np.int32),
        "kind": np.array([KINDS.index(p.kind) for p in passages], dtype=np.uint8),
        "start": np.array([p.start for p in passages], dtype=np.int64),
        "end": np.array([p.end for p in passages], dtype=np.int64),
        "speaker": np.array([intern(names, p.speaker) for p in passages], dtype=np.int32),
        "role": np.array([intern(roles, p.role) for p in passages], dtype=np.int32),
        "context": np.array([intern(contexts, p.context) for p in passages], dtype=np.int32),
        "speakers_offsets": _offsets([len(p.speakers) for p in passages]),
        "speakers_values": np.array([intern(names, s) for p in passages for s in p.speakers], dtype=np.int32),
        "sentences_offsets": _offsets(sentence_counts),
        "sentence_starts": np.array([s.start for p in passages for s in p.sentences], dtype=np.int64),
        "sentence_ends": np.array([s.end for p in passages for s in p.sentences], dtype=np.int64),
        "sentence_rows": np.array([r for rows in sentence_rows for r in rows], dtype=np.int64),
    }
    for name, values in columns.items():
        np.save(folder / f"{name}.npy", values, allow_pickle=False)
    for name, table in (("names", names), ("roles", roles), ("contexts", contexts)):
        _write_strings(folder, name, list(table))


def _write_documents(folder: Path, transcripts: Sequence[Transcript], bounds: np.ndarray) -> None:
    folder.mkdir(parents=True)
    encoder = msgspec.json.Encoder()
    offsets = [0]
    with (folder / "transcripts.jsonl").open("wb") as handle:
        for transcript in transcripts:
            # JSON escapes newlines inside strings, so one line is one transcript.
            line = encoder.encode(transcript) + b"\n"
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / "offsets.npy", np.array(offsets, dtype=np.int64), allow_pickle=False)
    catalog = [
        DocumentEntry(
            doc_id=t.doc_id, title=t.title, date=t.date, date_text=t.date_text, speakers=t.speakers,
            n_turns=len(t.turns), n_chars=len(t.text),
            first_passage=int(bounds[number]), end_passage=int(bounds[number + 1]),
        )
        for number, t in enumerate(transcripts)
    ]
    (folder / "catalog.json").write_bytes(encoder.encode(catalog))


def _offsets(counts: Sequence[int]) -> np.ndarray:
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def _write_strings(folder: Path, name: str, strings: list[str]) -> None:
    encoded = [s.encode("utf-8") for s in strings]
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    np.save(folder / f"{name}_blob.npy", blob, allow_pickle=False)
    np.save(folder / f"{name}_offsets.npy", _offsets([len(b) for b in encoded]), allow_pickle=False)


# ---------------------------------------------------------------- reading


def map_array(path: Path, *, random_access: bool = False) -> np.ndarray:
    """A read-only array over the pages of the .npy file at `path`: nothing is read until
    touched, and what is touched can be paged out again.

    A plain ndarray, not np.memmap, whose Python-level __getitem__ and __array_wrap__ make
    every scalar read several times slower. `random_access` turns the kernel's read-ahead
    off: rows read one by one at random places (sentence vectors) would otherwise pull in the
    neighbouring 128 KiB with each, filling the page cache and VmRSS with rows nobody asked for.
    """
    with path.open("rb") as file:
        version = np.lib.format.read_magic(file)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(file)
        offset = file.tell()
        if dtype.hasobject:
            raise ValueError(f"{path} holds Python objects, which are never loaded")
        pages = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if random_access:
        pages.madvise(mmap.MADV_RANDOM)
    return np.ndarray(shape, dtype=dtype, buffer=pages, offset=offset, order="F" if fortran_order else "C")


def _column(folder: Path, name: str) -> np.ndarray:
    return map_array(folder / f"{name}.npy")


def _strings(folder: Path, name: str) -> StringTable:
    return StringTable(_column(folder, f"{name}_blob"), _column(folder, f"{name}_offsets"))


class _PassageMaker:
    """Makes the `Passage` at a position from the columns (kept apart from `PassageTable` so
    the table's LRU cache holds no reference back to the table)."""

    def __init__(self, cols: dict[str, np.ndarray], doc_ids: list[str], names: list[str], roles: list[str],
                 contexts: StringTable) -> None:
        self._ids, self._doc, self._turn, self._last_turn = cols["ids"], cols["doc"], cols["turn"], cols["last_turn"]
        self._kind, self._start, self._end = cols["kind"], cols["start"], cols["end"]
        self._speaker, self._role, self._context = cols["speaker"], cols["role"], cols["context"]
        self._speaker_offsets, self._speaker_values = cols["speakers_offsets"], cols["speakers_values"]
        self._sentence_offsets = cols["sentences_offsets"]
        self._sentence_starts, self._sentence_ends = cols["sentence_starts"], cols["sentence_ends"]
        self._doc_ids, self._names, self._roles, self._contexts = doc_ids, names, roles, contexts

    def __call__(self, i: int) -> Passage:
        """The passage at position `i` (in range: the table checks)."""
        # `.item()` reads a Python int straight from the map: the fastest scalar read numpy has.
        speaker, role, context = self._speaker.item(i), self._role.item(i), self._context.item(i)
        first, stop = self._speaker_offsets.item(i), self._speaker_offsets.item(i + 1)
        s_first, s_stop = self._sentence_offsets.item(i), self._sentence_offsets.item(i + 1)
        names = self._names
        return Passage(
            id=f"{self._ids.item(i):016x}",
            doc_id=self._doc_ids[self._doc.item(i)],
            turn_index=self._turn.item(i),
            last_turn_index=self._last_turn.item(i),
            kind=KINDS[self._kind.item(i)],
            speaker=None if speaker == _NONE else names[speaker],
            role=None if role == _NONE else self._roles[role],
            start=self._start.item(i),
            end=self._end.item(i),
            sentences=list(map(Sentence, self._sentence_starts[s_first:s_stop].tolist(),
                               self._sentence_ends[s_first:s_stop].tolist())),
            speakers=[names[j] for j in self._speaker_values[first:stop].tolist()],
            context=None if context == _NONE else self._contexts[context],
        )


class PassageTable(Sequence[Passage]):
    """The passages of one build, column by column on disk; `table[i]` makes the `Passage` on demand.

    Positions are the rows of the FAISS and BM25 indexes. Columns are exposed read-only
    for vectorised filters.
    """

    def __init__(self, folder: Path, doc_ids: Sequence[str], cache_size: int = DEFAULT_PASSAGE_CACHE_SIZE) -> None:
        """Open the table in `folder`; `doc_ids[n]` is the id of document number n.

        The `cache_size` passages made most recently are kept (0: none).
        """
        self._doc_ids = list(doc_ids)
        cols = {name: _column(folder, name) for name in _COLUMNS}
        n = len(cols["ids"])
        for name in ("id_sorted", "id_order", "doc", "turn", "last_turn", "kind", "start", "end", "speaker",
                     "role", "context"):
            if cols[name].shape != (n,):
                raise ValueError(f"passage table: column {name} has {cols[name].shape[0]} rows, expected {n}")
        if len(cols["speakers_offsets"]) != n + 1 or len(cols["sentences_offsets"]) != n + 1:
            raise ValueError("passage table: ragged columns do not have a row per passage")
        if not len(cols["sentence_starts"]) == len(cols["sentence_ends"]) == len(cols["sentence_rows"]):
            raise ValueError("passage table: sentence columns differ in length")
        self._n = n
        self._id_sorted = cols["id_sorted"]
        self._id_order = cols["id_order"]
        self.doc_numbers: np.ndarray = cols["doc"]
        """Document number of every passage (read-only, memory-mapped)."""
        self.speakers = Ragged(cols["speakers_offsets"], cols["speakers_values"])
        """Everyone who speaks in each passage, as ids into `speaker_names`."""
        self.sentence_rows = Ragged(cols["sentences_offsets"], cols["sentence_rows"])
        """Rows in sentences.npy of each passage's sentences, in the passage's order."""
        # Names and roles grow with speakers, not passages: decoded once into lists.
        self.speaker_names: list[str] = _strings(folder, "names").to_list()
        """Speaker names; `speakers` and the speaker column are ids into this list."""
        self._names_by_key: dict[str, list[int]] = {}
        for name_id, name in enumerate(self.speaker_names):
            self._names_by_key.setdefault(speaker_key(name), []).append(name_id)
        self._make = _PassageMaker(cols, self._doc_ids, self.speaker_names, _strings(folder, "roles").to_list(),
                                   _strings(folder, "contexts"))
        # One answer reads each of its top passages several times (ranking, sentences,
        # hits, abstention): a small LRU makes each once. functools' cache is C code and
        # thread-safe; passages are frozen, so sharing one object between requests is safe.
        self._cached = functools.lru_cache(maxsize=cache_size)(self._make) if cache_size > 0 else self._make

    def __len__(self) -> int:
        """Number of passages (the rows of the FAISS index)."""
        return self._n

    @overload
    def __getitem__(self, position: int) -> Passage: ...

    @overload
    def __getitem__(self, position: slice) -> list[Passage]: ...

    def __getitem__(self, position: int | slice) -> Passage | list[Passage]:
        """The passage at `position` (negative counts from the end), or a list for a slice."""
        if isinstance(position, slice):
            return [self._make(i) for i in range(*position.indices(self._n))]
        position = int(position)
        if position < 0:
            position += self._n
        if not 0 <= position < self._n:
            raise IndexError(f"passage position {position} out of range (table of {self._n})")
        return self._cached(position)

    def __iter__(self) -> Iterator[Passage]:
        """Every passage in position order, each made as it is reached (the cache is left alone)."""
        return (self._make(i) for i in range(self._n))

    def cached(self) -> int:
        """How many made passages the cache holds now (at most the cache size)."""
        info = getattr(self._cached, "cache_info", None)
        return info().currsize if info else 0

    def names_marked(self, keys: Iterable[str]) -> np.ndarray:
        """A boolean per speaker name id: True where the name's `speaker_key` is one of `keys`."""
        marked = np.zeros(len(self.speaker_names), dtype=bool)
        for key in keys:
            marked[self._names_by_key.get(key, [])] = True
        return marked

    def position_of(self, passage_id: str) -> int | None:
        """The position of the passage with this id, None when there is none.

        A binary search over the sorted ids: no dict of every id in memory. Should two
        passages share an id, the later one is returned (as a dict built in order would).
        """
        if not _PASSAGE_ID.fullmatch(passage_id):
            return None
        key = np.uint64(int(passage_id, 16))
        found = int(np.searchsorted(self._id_sorted, key, side="right")) - 1
        if found < 0 or self._id_sorted[found] != key:
            return None
        return int(self._id_order[found])


class DocumentStore(Mapping[str, Transcript]):
    """Transcripts by document id, decoded from disk on demand, the most recent ones cached.

    Membership, iteration, `len` and `entries` (per-document metadata) never decode a
    transcript; `store[doc_id]` decodes one (or takes it from the cache). `values()` and
    `items()` decode every document in turn: avoid them on large corpora.
    """

    def __init__(self, folder: Path, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        """Open the store in `folder`, caching up to `cache_size` decoded transcripts."""
        self.entries: list[DocumentEntry] = msgspec.json.decode(
            (folder / "catalog.json").read_bytes(), type=list[DocumentEntry]
        )
        """Metadata of every document, in document-number order."""
        self._numbers = {entry.doc_id: number for number, entry in enumerate(self.entries)}
        self.passage_counts = np.array([e.end_passage - e.first_passage for e in self.entries], dtype=np.int64)
        """Passages of each document, by document number (their positions are consecutive)."""
        self._offsets = _column(folder, "offsets")
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
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def doc_ids(self) -> list[str]:
        """Document ids by document number."""
        return [entry.doc_id for entry in self.entries]

    def number_of(self, doc_id: str) -> int | None:
        """The document number of `doc_id` (its row in `entries`), None if unknown."""
        return self._numbers.get(doc_id)

    def entry(self, doc_id: str) -> DocumentEntry | None:
        """The metadata of `doc_id`, None if unknown."""
        number = self._numbers.get(doc_id)
        return None if number is None else self.entries[number]

    def mask_of(self, doc_ids: Iterable[str]) -> np.ndarray:
        """A boolean per document number: True for the documents in `doc_ids` (unknown ids are ignored)."""
        mask = np.zeros(len(self.entries), dtype=bool)
        mask[[self._numbers[d] for d in doc_ids if d in self._numbers]] = True
        return mask

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
        if self._cache_size > 0:
            with self._lock:
                self._cache[number] = transcript
                self._cache.move_to_end(number)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return transcript

    def cached(self) -> int:
        """How many decoded transcripts the cache holds now (at most the cache size)."""
        return len(self._cache)
