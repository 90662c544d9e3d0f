"""The sentence table of a build: each distinct sentence once, and each passage's rows in it."""

from __future__ import annotations

from rag.types import Passage


def sentence_table(passages: list[Passage]) -> list[tuple[str, int, int]]:
    """Distinct sentences in first-seen order: row i of sentences.npy is entry i."""
    seen: dict[tuple[str, int, int], int] = {}
    for passage in passages:
        for sentence in passage.sentences:
            seen.setdefault((passage.doc_id, sentence.start, sentence.end), len(seen))
    return list(seen)



def sentence_rows(passages: list[Passage], keys: list[tuple[str, int, int]]) -> list[list[int]]:
    """For each passage, the row in sentences.npy of each of its sentences (stored at build time)."""
    table = {key: row for row, key in enumerate(keys)}
    return [[table[(p.doc_id, s.start, s.end)] for s in p.sentences] for p in passages]
