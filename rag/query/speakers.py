"""Recognising the speakers a question names ("What did Xin Guobin say ...", "the professor", "Grad B")."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable

import numpy as np

from rag.ingest.names import speaker_key
from rag.types import DocumentEntry, Where

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
# Letters that are words of their own in English questions, never a speaker id on their own.
_NOT_IDS = frozenset({"I", "A"})
_POST_NOMINALS = frozenset("am mp ms msp mla mpp qc kc obe mbe cbe jr sr".split())
_GENERIC = frozenset("the mr mrs ms dr hon right chair member minister committee".split())


def _words(text: str) -> list[str]:
    return [m.group() for m in _WORD.finditer(text)]


def aliases(name: str, role: str | None) -> set[tuple[str, ...]]:
    """Word sequences (lower case; single-letter ids keep their case) a question may use for a speaker."""
    words = _words(speaker_key(name))
    while len(words) > 1 and words[-1] in _POST_NOMINALS:
        words = words[:-1]
    found: set[tuple[str, ...]] = set()
    if words:
        found.add(tuple(words))
    original = _words(name)
    # "PhD D", "Grad B", "Professor C": the id letter and the title each name the speaker.
    if len(original) == 2 and len(original[1]) == 1 and original[1].isupper():
        if original[1] not in _NOT_IDS:
            found.add((original[1],))
        found.add((original[0].lower(),))
    elif len(words) >= 2 and len(words[-1]) >= 3 and words[-1] not in _GENERIC:
        found.add((words[-1],))
    if role and len(_words(role)) <= 4:
        found.add(tuple(w.lower() for w in _words(role)))
    return found


class SpeakerDirectory:
    """Maps what a question may call a speaker to the passages that speaker spoke."""

    def __init__(
        self, documents: Iterable[DocumentEntry], positions: Callable[[Where], np.ndarray], n_passages: int
    ) -> None:
        """Aliases from each document's speakers list; `positions` finds the passages a `Where`
        allows (the index's `positions`), among `n_passages`."""
        self._aliases: dict[tuple[str, ...], set[tuple[str, str]]] = defaultdict(set)
        for document in documents:
            in_document: dict[tuple[str, ...], set[str]] = defaultdict(set)
            for speaker in document.speakers:
                for alias in aliases(speaker.name, speaker.role):
                    in_document[alias].add(speaker_key(speaker.name))
            for alias, keys in in_document.items():
                # A surname or title two people share in one meeting names neither of them.
                if len(keys) == 1:
                    self._aliases[alias].add((document.doc_id, next(iter(keys))))
        self._longest = max((len(a) for a in self._aliases), default=0)
        self._positions = positions
        self._n_passages = n_passages
        self._spoken: dict[tuple[str, str], np.ndarray] = {}

    def mentioned(self, question: str) -> set[tuple[str, str]]:
        """(document id, speaker key) of every speaker the question names."""
        words = _words(question)
        lowered = [w.lower() for w in words]
        found: set[tuple[str, str]] = set()
        for size in range(1, self._longest + 1):
            for start in range(len(words) - size + 1):
                if size == 1 and len(words[start]) == 1:
                    # A lone letter is a speaker id only in capitals ("What did D think").
                    keys = self._aliases.get((words[start],)) if words[start].isupper() else None
                else:
                    keys = self._aliases.get(tuple(lowered[start : start + size]))
                if keys:
                    found |= keys
        return found

    def passages_of(self, speakers: set[tuple[str, str]]) -> np.ndarray:
        """A boolean mask over passage positions: True where one of `speakers` speaks in the passage."""
        mask = np.zeros(self._n_passages, dtype=bool)
        for speaker in speakers:
            mask[self._spoken_by(speaker)] = True
        return mask

    def _spoken_by(self, speaker: tuple[str, str]) -> np.ndarray:
        """Positions of the passages where one speaker (document id, speaker key) speaks, found
        once per index: "the professor" names a speaker in each of a series' meetings, and the
        same names come back question after question."""
        positions = self._spoken.get(speaker)
        if positions is None:
            doc_id, key = speaker
            positions = self._positions(Where(documents=frozenset({doc_id}), speakers=frozenset({key})))
            # Two threads may find the same positions at once; either copy is right.
            self._spoken[speaker] = positions
        return positions
