"""The passage table: one build's passages, column by column on disk, made into `Passage` values on demand."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

from rag.index.store.arrays import Ragged, StringTable, column, strings
from rag.index.store.layout import COLUMNS, DEFAULT_PASSAGE_CACHE_SIZE, KINDS, NONE, PASSAGE_ID
from rag.ingest.names import speaker_key
from rag.types import Passage, Sentence


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
            speaker=None if speaker == NONE else names[speaker],
            role=None if role == NONE else self._roles[role],
            start=self._start.item(i),
            end=self._end.item(i),
            sentences=list(map(Sentence, self._sentence_starts[s_first:s_stop].tolist(),
                               self._sentence_ends[s_first:s_stop].tolist())),
            speakers=[names[j] for j in self._speaker_values[first:stop].tolist()],
            context=None if context == NONE else self._contexts[context],
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
        cols = {name: column(folder, name) for name in COLUMNS}
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
        self.speaker_names: list[str] = strings(folder, "names").to_list()
        """Speaker names; `speakers` and the speaker column are ids into this list."""
        self._names_by_key: dict[str, list[int]] = {}
        for name_id, name in enumerate(self.speaker_names):
            self._names_by_key.setdefault(speaker_key(name), []).append(name_id)
        self._make = _PassageMaker(cols, self._doc_ids, self.speaker_names, strings(folder, "roles").to_list(),
                                   strings(folder, "contexts"))
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
        if not PASSAGE_ID.fullmatch(passage_id):
            return None
        key = np.uint64(int(passage_id, 16))
        found = int(np.searchsorted(self._id_sorted, key, side="right")) - 1
        if found < 0 or self._id_sorted[found] != key:
            return None
        return int(self._id_order[found])
