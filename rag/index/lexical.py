"""Lexical retrieval: BM25 over passages (bm25s), with a tokenizer shared by indexing and querying."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import bm25s
import msgspec
import numpy as np

_TOKEN = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*", re.UNICODE)
# Short English stopword list: the words that carry no topic in a question.
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i if in into is it its
    me my of on or our she so than that the their them then there these they this those to was we were what when
    where which who whom why will with would you your about can could should shall may might must also just
    said say says tell told think thought many much""".split()
)
BM25_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
    "lengths.json",
    "row_lengths.npy",
)
_LENGTHS = "lengths.json"
_ROW_LENGTHS = "row_lengths.npy"


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words; numbers keep their inner punctuation ("103.96", "2,037")."""
    words = [w for w in (m.group().lower() for m in _TOKEN.finditer(text)) if w not in STOPWORDS]
    return _stemmer().stemWords(words) if words else []


def bm25_idf(df: int, n: int) -> float:
    """Lucene's idf of a word in `df` of `n` rows, as bm25s computes it (0 for a word in none)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0


class _ArrayBM25(bm25s.BM25):
    """bm25s's BM25 whose index is built by array operations instead of a Python loop per
    document: the hook bm25s offers for building "in a different way". For its default
    (Lucene) scoring the scores are bm25s's own, bit for bit (a test compares the arrays), made
    about 10x faster, which is most of what a build spends outside the model."""

    def build_index_from_ids(
        self, unique_token_ids: list[int], corpus_token_ids: list[list[int]], show_progress: bool = True,
        leave_progress: bool = False,
    ) -> dict[str, Any]:
        """The score matrix (CSC: postings by word, rows ascending) of `corpus_token_ids`."""
        if self.method != "lucene" or self.idf_method != "lucene":
            return super().build_index_from_ids(unique_token_ids, corpus_token_ids, show_progress, leave_progress)
        self.nonoccurrence_array = None  # Lucene scoring has none; saving reads the attribute
        n_docs, n_vocab = len(corpus_token_ids), len(unique_token_ids)
        lengths = np.fromiter(map(len, corpus_token_ids), dtype=np.int64, count=n_docs)
        tokens = np.fromiter(itertools.chain.from_iterable(corpus_token_ids), dtype=np.int64, count=int(lengths.sum()))
        rows = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        # One entry per (document, word) with the word's count in the document.
        pairs, counts = np.unique(rows * n_vocab + tokens, return_counts=True)
        doc_index, word_index = np.divmod(pairs, n_vocab)
        frequencies = np.bincount(word_index, minlength=n_vocab).tolist()
        # As bm25s computes them: idf in double precision, stored as float32; the term
        # frequency part in double precision from float32 counts; the product stored as float32.
        idf = np.array([bm25_idf(df, n_docs) for df in frequencies], dtype=self.dtype)
        tf = counts.astype(np.float32)
        average = lengths.mean()
        tfc = tf / (self.k1 * ((1 - self.b) + self.b * lengths[doc_index] / average) + tf)
        scores = (idf[word_index] * tfc).astype(self.dtype)
        data, indices, indptr = self._np_csc(
            data=scores, rows=doc_index.astype(self.int_dtype), cols=word_index.astype(self.int_dtype),
            shape=(n_docs, n_vocab),
        )
        return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}


@dataclass(frozen=True)
class Statistics:
    """The corpus-wide figures BM25 scores a row with, when they are not the ones it was built with."""

    idf: Mapping[str, float]
    """Each question word's idf."""
    avg_doc_len: float
    """The mean row length in words."""


class LexicalIndex:
    """BM25 scores for every passage; saved as plain .npy/.json files (no pickle), read memory-mapped."""

    def __init__(self, model: bm25s.BM25, avg_doc_len: float, row_lengths: np.ndarray) -> None:
        self._model = model
        self._vocab: dict[str, int] = model.vocab_dict
        self.avg_doc_len = avg_doc_len
        """Mean number of tokens per row: live segments score their rows against it."""
        self.row_lengths = row_lengths
        """Each row's length in words (an empty row counts 1, its placeholder)."""

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index `texts` (one per passage, in passage order)."""
        return cls.from_words([tokenize(t) for t in texts])

    @classmethod
    def from_words(cls, rows: list[list[str]]) -> LexicalIndex:
        """Index rows already split into words by `tokenize` (some may have none), in row order."""
        # An empty token list would break bm25s; a placeholder keeps positions aligned.
        return cls.from_tokens([words or ["\x00"] for words in rows])

    @classmethod
    def from_tokens(cls, documents: list[list[str]]) -> LexicalIndex:
        """Index documents already tokenised (none empty), in row order."""
        model = _ArrayBM25()
        model.index(documents, show_progress=False)
        _check_postings_sorted(model.scores["indices"], model.scores["indptr"])
        lengths = np.fromiter(map(len, documents), dtype=np.int32, count=len(documents))
        return cls(model, float(lengths.mean()) if len(lengths) else 1.0, lengths)

    def save(self, folder: Path) -> None:
        """Write the index files into `folder`."""
        self._model.save(str(folder), show_progress=False)
        (folder / _LENGTHS).write_bytes(msgspec.json.encode({"avg_doc_len": self.avg_doc_len}))
        np.save(folder / _ROW_LENGTHS, np.asarray(self.row_lengths, dtype=np.int32), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        # Memory-mapped: a question reads the postings of its few words, not the whole matrix,
        # so a large index costs page cache instead of resident memory.
        model = bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0)
        # Plain ndarray views of the same mapped pages: np.memmap's Python-level slicing costs
        # more than scoring a short question's postings.
        for name in ("data", "indices", "indptr"):
            model.scores[name] = model.scores[name].view(np.ndarray)
        lengths = msgspec.json.decode((folder / _LENGTHS).read_bytes(), type=dict[str, float])
        return cls(model, lengths["avg_doc_len"], np.load(folder / _ROW_LENGTHS, mmap_mode="r", allow_pickle=False))

    @property
    def num_docs(self) -> int:
        """Rows indexed."""
        return int(self._model.scores["num_docs"])

    def words(self, text: str) -> list[str]:
        """The words BM25 counts in `text` (stemmed, no stopwords), repeats kept."""
        return tokenize(text)

    @property
    def parameters(self) -> tuple[float, float]:
        """BM25's (k1, b)."""
        return float(self._model.k1), float(self._model.b)

    def document_frequency(self, token: str) -> int:
        """Rows containing the (tokenized) word `token`; 0 for a word the index does not know."""
        token_id = self._vocab.get(token)
        if token_id is None:
            return 0
        indptr = self._model.scores["indptr"]
        return int(indptr[token_id + 1] - indptr[token_id])

    def rows_with(self, token: str) -> np.ndarray:
        """The rows containing the (tokenized) word `token`, ascending (a view of the postings)."""
        token_id = self._vocab.get(token)
        if token_id is None:
            return np.zeros(0, dtype=np.int64)
        indices, indptr = self._model.scores["indices"], self._model.scores["indptr"]
        return indices[indptr[token_id] : indptr[token_id + 1]]

    def scores(self, question: str, statistics: Statistics | None = None) -> np.ndarray:
        """BM25 score of every passage for `question` (zeros when no word is known).

        With `statistics`, each row is scored with that idf and mean length instead of the
        ones the index was built with: a live index scores the rows it serves now.
        """
        if statistics is None:
            ids = self._token_ids(question)
            if not ids:
                return np.zeros(self._model.scores["num_docs"], dtype=np.float32)
            return self._model.get_scores_from_ids(ids).astype(np.float32, copy=False)
        data, indices, indptr = (self._model.scores[name] for name in ("data", "indices", "indptr"))
        out = np.zeros(self._model.scores["num_docs"], dtype=np.float32)
        for token in tokenize(question):
            token_id = self._vocab.get(token)
            if token_id is not None:
                start, end = int(indptr[token_id]), int(indptr[token_id + 1])
                rows = indices[start:end]
                # A word's postings name each row once, so a plain fancy-index add is exact.
                out[rows] += self._rescored(token, rows, data[start:end], statistics)
        return out

    def scores_at(self, question: str, rows: np.ndarray, statistics: Statistics | None = None) -> np.ndarray:
        """`scores(question, statistics)[rows]`, computed for those rows only.

        Answering scores the few dozen sentences of the top passages; scoring all of them
        costs a dense array the size of the corpus (6.5M sentences at 1M passages). Each
        word's postings are sorted by row (checked at build), so a binary search finds the rows.
        """
        data, indices, indptr = (self._model.scores[name] for name in ("data", "indices", "indptr"))
        # Rows in the postings' own integer type: with another, numpy would convert (copy)
        # every word's whole postings list before searching it.
        rows = np.asarray(rows).astype(indices.dtype, copy=False)
        out = np.zeros(len(rows), dtype=np.float32)
        for token in tokenize(question):
            token_id = self._vocab.get(token)
            if token_id is None:
                continue
            start, end = int(indptr[token_id]), int(indptr[token_id + 1])
            if start == end:
                continue
            postings = indices[start:end]
            at = np.minimum(np.searchsorted(postings, rows), end - start - 1)
            present = postings[at] == rows
            found = data[start:end][at[present]]
            out[present] += found if statistics is None else self._rescored(token, rows[present], found, statistics)
        return out

    def _rescored(self, token: str, rows: np.ndarray, stored: np.ndarray, statistics: Statistics) -> np.ndarray:
        """The stored scores of `token` in `rows`, recomputed with `statistics`.

        A stored score is idf × tf / (tf + k1 (1 - b + b len / mean)); with the build's idf and
        mean, and the row's length, that gives back tf, a whole number, exactly after rounding.
        The score is then computed as a build would with the new idf and mean.
        """
        k1, b = self.parameters
        built_idf = np.float32(bm25_idf(self.document_frequency(token), self.num_docs))
        lengths = np.asarray(self.row_lengths[rows], dtype=np.float64)
        part = stored.astype(np.float64) / float(built_idf)
        built_norm = k1 * ((1 - b) + b * lengths / self.avg_doc_len)
        tf = np.rint(part * built_norm / np.maximum(1 - part, 1e-12))
        norm = k1 * ((1 - b) + b * lengths / statistics.avg_doc_len)
        return (np.float32(statistics.idf[token]) * (tf / (tf + norm))).astype(np.float32)

    def _token_ids(self, question: str) -> list[int]:
        """Vocabulary ids of the question's words, repeats kept (a repeated word counts twice, as in bm25s)."""
        return [self._vocab[t] for t in tokenize(question) if t in self._vocab]


def _check_postings_sorted(indices: np.ndarray, indptr: np.ndarray) -> None:
    """Fail the build if a word's postings are not in row order: `scores_at` relies on it."""
    rising = np.diff(indices.astype(np.int64)) > 0
    # A drop is allowed only where one word's postings end and the next word's begin.
    boundaries = indptr[1:-1] - 1
    rising[boundaries[(boundaries >= 0) & (boundaries < len(rising))]] = True
    if not rising.all():
        raise RuntimeError("bm25s returned postings out of row order; sentence scoring needs them sorted")


class Postings:
    """BM25's counts over some rows (one document's passages, say): each word's rows and counts,
    and every row's length in words. Made once per document; a segment combines them as they are."""

    def __init__(self, rows: list[list[str]]) -> None:
        counts: dict[str, dict[int, int]] = {}
        for row, tokens in enumerate(rows):
            for token in tokens:
                per_row = counts.setdefault(token, {})
                per_row[row] = per_row.get(row, 0) + 1
        self.lengths = np.array([len(r) for r in rows], dtype=np.float32)
        self.words: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        """Each word's rows, its count in each, and those rows' lengths."""
        for token, per_row in counts.items():
            found = np.fromiter(per_row, dtype=np.int64)
            self.words[token] = (found, np.fromiter(per_row.values(), dtype=np.float32), self.lengths[found])

    def __len__(self) -> int:
        return len(self.lengths)


class SegmentLexical:
    """BM25 over rows added after a build (several documents' `Postings`, in order), scored on
    that build's scale.

    A word's idf counts the build's rows and these together, and lengths are normalised by the
    build's mean, with the build's k1 and b (bm25s' Lucene variant): a new passage scores as it
    would have in the build, up to the statistics the build would have updated. Compaction
    (a full build from the document cache) makes them exact again.
    """

    def __init__(self, base: LexicalIndex, parts: Sequence[Postings]) -> None:
        self._base = base
        self._parts = list(parts)
        firsts = np.cumsum([0] + [len(p) for p in self._parts])
        self._firsts = [int(first) for first in firsts[:-1]]
        self._n = int(firsts[-1])

    def __len__(self) -> int:
        return self._n

    @property
    def num_docs(self) -> int:
        """Rows of the build and of this segment."""
        return self._base.num_docs + self._n

    def words(self, text: str) -> list[str]:
        """The words BM25 counts in `text`."""
        return tokenize(text)

    def own_frequency(self, token: str) -> int:
        """Rows of this segment containing `token`."""
        return sum(len(part.words[token][0]) for part in self._parts if token in part.words)

    def document_frequency(self, token: str) -> int:
        """Rows of the build and of this segment containing `token`."""
        return self._base.document_frequency(token) + self.own_frequency(token)

    @property
    def total_length(self) -> int:
        """The rows' lengths summed, an empty row counting 1 as in a build."""
        return int(sum(np.maximum(part.lengths, 1).sum() for part in self._parts))

    def scores(self, question: str, statistics: Statistics | None = None) -> np.ndarray:
        """BM25 score of every row for `question`, with `statistics` when given, else with the
        build's mean length and each word's idf over the build's rows and these together."""
        out = np.zeros(self._n, dtype=np.float32)
        k1, b = self._base.parameters
        total = self._base.num_docs + self._n
        for token in tokenize(question):
            found = [(first, part.words[token]) for first, part in zip(self._firsts, self._parts) if token in part.words]
            if not found:
                continue
            rows = np.concatenate([first + found_rows for first, (found_rows, _, _) in found])
            tf = np.concatenate([counts for _, (_, counts, _) in found])
            lengths = np.concatenate([row_lengths for _, (_, _, row_lengths) in found])
            if statistics is None:
                idf, mean = bm25_idf(self._base.document_frequency(token) + len(rows), total), self._base.avg_doc_len
            else:
                idf, mean = np.float32(statistics.idf[token]), statistics.avg_doc_len
            # As a build computes it: idf as float32, the length part in double precision.
            norm = k1 * ((1 - b) + b * lengths.astype(np.float64) / mean)
            out[rows] += (idf * (tf / (tf + norm))).astype(np.float32)
        return out

    def scores_at(self, question: str, rows: np.ndarray, statistics: Statistics | None = None) -> np.ndarray:
        """`scores(question, statistics)[rows]`."""
        return self.scores(question, statistics)[rows]
