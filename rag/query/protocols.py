"""What the query layer needs from an index, as protocols: it never sees FAISS, bm25s or the files.

`rag.index.LoadedIndex` (a build) and `rag.index.live.LiveIndex` (a build plus the documents
written since) satisfy `ReadIndex`; an external vector store would implement
`DenseStore` (search with an allowed set, and the vectors of given positions) and be wired in
by the service. Positions are the one id space every part shares: row i of the dense store,
of the lexical scorer and of the passage table is the same passage.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from rag.types import DocumentEntry, Passage, Transcript, Where


class DenseStore(Protocol):
    """Nearest passages by vector, and the stored vectors of given passages."""

    def search(self, query: np.ndarray, depth: int, allowed: np.ndarray | None = None) -> np.ndarray:
        """Positions of the `depth` passages closest to the unit vector `query`, best first, among
        `allowed` positions when given (-1 pads when there are fewer)."""
        ...

    def vectors(self, positions: np.ndarray) -> np.ndarray:
        """The stored unit vectors of the passages at `positions`, one row each."""
        ...


class LexicalScorer(Protocol):
    """BM25 scores of a text against every row, or against chosen rows only, and its statistics."""

    @property
    def num_docs(self) -> int:
        """Rows counted."""
        ...

    def words(self, text: str) -> list[str]:
        """The words the scorer counts in `text` (normalised as it indexes them)."""
        ...

    def document_frequency(self, token: str) -> int:
        """Rows containing the word `token` (one of `words`' results)."""
        ...

    def scores(self, question: str) -> np.ndarray:
        """One score per row (0 where no word of the question occurs)."""
        ...

    def scores_at(self, question: str, rows: np.ndarray) -> np.ndarray:
        """The scores of `rows` only, equal to `scores(question)[rows]`."""
        ...


class RowVectors(Protocol):
    """Vectors by row, read a few rows at a time: an ndarray, or rows spread over several stores."""

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of `rows`, one row each, in that order."""
        ...


class Rows(Protocol):
    """Variable-length rows of integers: row i is an array."""

    def __getitem__(self, row: int) -> np.ndarray: ...


class PassageSource(Protocol):
    """Passages by position."""

    @property
    def sentence_rows(self) -> Rows:
        """Rows of each passage's sentences in the sentence vectors and the sentence scorer."""
        ...

    def __len__(self) -> int: ...

    def __getitem__(self, position: int) -> Passage: ...

    def position_of(self, passage_id: str) -> int | None:
        """The position of the passage with this id, None when there is none."""
        ...


class TranscriptSource(Protocol):
    """Transcripts by document id; per-document metadata without decoding any transcript."""

    @property
    def entries(self) -> list[DocumentEntry]:
        """Metadata of every document."""
        ...

    def __contains__(self, doc_id: object) -> bool: ...

    def __len__(self) -> int: ...

    def __getitem__(self, doc_id: str) -> Transcript: ...


class ReadIndex(Protocol):
    """The read side of an index, as answering uses it."""

    @property
    def passages(self) -> PassageSource:
        """Passages by position."""
        ...

    @property
    def transcripts(self) -> TranscriptSource:
        """Transcripts by document id."""
        ...

    @property
    def dense(self) -> DenseStore:
        """The passage vectors' store."""
        ...

    @property
    def lexical(self) -> LexicalScorer:
        """BM25 over the passages' embedding texts."""
        ...

    @property
    def sentence_vectors(self) -> RowVectors:
        """One unit vector per distinct sentence (rows as `PassageSource.sentence_rows` give)."""
        ...

    @property
    def sentence_lexical(self) -> LexicalScorer:
        """BM25 over the sentences, rows as the sentence vectors."""
        ...

    def positions(self, where: Where) -> np.ndarray:
        """Ascending positions of the passages `where` allows (documents, speakers): how a
        store applies the filters the query layer resolved."""
        ...
