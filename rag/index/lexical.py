"""Lexical retrieval: BM25 over passages, with a tokenizer shared by indexing and querying.

The score matrix is built by bm25s (`rag.index.bm25_build`) and read back with numpy alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import msgspec
import numpy as np

_TOKEN = re.compile(r"[^\W_]+(?:[.,'’][^\W_]+)*", re.UNICODE)
# Han, Hiragana, Katakana and Thai: scripts that set no space between words.
_UNSPACED_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
_UNSPACED = re.compile(f"[{_UNSPACED_CHARS}]")
_UNSPACED_RUN = re.compile(f"[{_UNSPACED_CHARS}]+|[^{_UNSPACED_CHARS}]+")
# Short English stopword list: the words that carry no topic in a question.
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i if in into is it its
    me my of on or our she so than that the their them then there these they this those to was we were what when
    where which who whom why will with would you your about can could should shall may might must also just
    said say says tell told think thought many much""".split()
)
_MATRIX_FILES = {name: f"{name}.csc.index.npy" for name in ("data", "indices", "indptr")}
_VOCAB = "vocab.index.json"
_PARAMS = "params.index.json"
_LENGTHS = "lengths.json"
_ROW_LENGTHS = "row_lengths.npy"
BM25_FILES = (*_MATRIX_FILES.values(), _VOCAB, _PARAMS, _LENGTHS, _ROW_LENGTHS)


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words; numbers keep their inner punctuation ("103.96", "2,037").
    Scripts written without spaces (Chinese, Japanese, Thai) give overlapping pairs of characters,
    as Lucene's CJK analyser does: a whole clause is no word a question repeats."""
    ascii_only = text.isascii()
    # Lowering ASCII text whole finds the same words as lowering each word, in half the time.
    found = _TOKEN.findall(text.lower()) if ascii_only else [m.group().lower() for m in _TOKEN.finditer(text)]
    words = [w for w in found if w not in STOPWORDS]
    if not ascii_only and _UNSPACED.search(text):
        words = [piece for word in words for piece in _split_unspaced(word)]
    return _stemmer().stemWords(words) if words else []


def _split_unspaced(word: str) -> list[str]:
    """`word` as is, or, where it holds runs of a script without spaces, those runs as overlapping
    character pairs (a lone character as itself) and the rest as words."""
    if not _UNSPACED.search(word):
        return [word]
    pieces: list[str] = []
    for run in _UNSPACED_RUN.finditer(word):
        chars = run.group()
        if len(chars) == 1 or not _UNSPACED.match(chars):
            pieces.append(chars)
        else:
            pieces.extend(chars[i : i + 2] for i in range(len(chars) - 1))
    return pieces


def bm25_idf(df: int, n: int) -> float:
    """Lucene's idf of a word in `df` of `n` rows, as bm25s computes it (0 for a word in none)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5)) if df else 0.0


@dataclass(frozen=True)
class ScoreMatrix:
    """BM25's precomputed scores in bm25s's layout: CSC, one column of postings per word, rows
    ascending in each; the word ids; the parameters they were computed with."""

    data: np.ndarray
    """float32 score of each (row, word) posting."""
    indices: np.ndarray
    """int32 row of each posting."""
    indptr: np.ndarray
    """Word i's postings are `[indptr[i], indptr[i + 1])`."""
    vocab: dict[str, int]
    k1: float
    b: float


@dataclass(frozen=True)
class Statistics:
    """The corpus-wide figures BM25 scores a row with, when they are not the ones it was built with."""

    idf: Mapping[str, float]
    """Each question word's idf."""
    avg_doc_len: float
    """The mean row length in words."""


class LexicalIndex:
    """BM25 scores for every passage; saved as plain .npy/.json files (no pickle), read memory-mapped."""

    def __init__(self, matrix: ScoreMatrix, avg_doc_len: float, row_lengths: np.ndarray) -> None:
        self.matrix = matrix
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
        from rag.index.bm25_build import score_matrix  # bm25s (and scipy) only where an index is built

        matrix = score_matrix(documents)
        _check_postings_sorted(matrix.indices, matrix.indptr)
        lengths = np.fromiter(map(len, documents), dtype=np.int32, count=len(documents))
        return cls(matrix, float(lengths.mean()) if len(lengths) else 1.0, lengths)

    def save(self, folder: Path) -> None:
        """Write the index files into `folder` (the score matrix in bm25s's file layout)."""
        folder.mkdir(parents=True, exist_ok=True)
        matrix = self.matrix
        for name, file in _MATRIX_FILES.items():
            np.save(folder / file, getattr(matrix, name), allow_pickle=False)
        (folder / _VOCAB).write_bytes(msgspec.json.encode(matrix.vocab))
        params = {"k1": matrix.k1, "b": matrix.b, "method": "lucene", "idf_method": "lucene",
                  "dtype": str(matrix.data.dtype), "int_dtype": str(matrix.indices.dtype), "num_docs": self.num_docs}
        (folder / _PARAMS).write_bytes(msgspec.json.encode(params))
        (folder / _LENGTHS).write_bytes(msgspec.json.encode({"avg_doc_len": self.avg_doc_len}))
        np.save(folder / _ROW_LENGTHS, np.asarray(self.row_lengths, dtype=np.int32), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """Read an index written by `save`."""
        # Memory-mapped: a question reads the postings of its few words, not the whole matrix,
        # so a large index costs page cache instead of resident memory. Plain ndarray views of
        # the mapped pages: np.memmap's Python-level slicing costs more than scoring a short
        # question's postings. Read with numpy alone: bm25s would bring scipy into every
        # serving process (0.2 s of its start).
        data, indices, indptr = (np.load(folder / file, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                                 for file in _MATRIX_FILES.values())
        params = msgspec.json.decode((folder / _PARAMS).read_bytes(), type=dict[str, object])
        vocab = msgspec.json.decode((folder / _VOCAB).read_bytes(), type=dict[str, int])
        lengths = msgspec.json.decode((folder / _LENGTHS).read_bytes(), type=dict[str, float])
        matrix = ScoreMatrix(data, indices, indptr, vocab, float(params["k1"]), float(params["b"]))  # type: ignore[arg-type]
        return cls(matrix, lengths["avg_doc_len"], np.load(folder / _ROW_LENGTHS, mmap_mode="r", allow_pickle=False))

    @property
    def num_docs(self) -> int:
        """Rows indexed."""
        return len(self.row_lengths)

    def words(self, text: str) -> list[str]:
        """The words BM25 counts in `text` (stemmed, no stopwords), repeats kept."""
        return tokenize(text)

    @property
    def parameters(self) -> tuple[float, float]:
        """BM25's (k1, b)."""
        return self.matrix.k1, self.matrix.b

    def document_frequency(self, token: str) -> int:
        """Rows containing the (tokenized) word `token`; 0 for a word the index does not know."""
        return len(self.rows_with(token))

    def rows_with(self, token: str) -> np.ndarray:
        """The rows containing the (tokenized) word `token`, ascending (a view of the postings)."""
        token_id = self.matrix.vocab.get(token)
        if token_id is None:
            return np.zeros(0, dtype=np.int64)
        indptr = self.matrix.indptr
        return self.matrix.indices[indptr[token_id] : indptr[token_id + 1]]

    def scores(self, question: str, statistics: Statistics | None = None) -> np.ndarray:
        """BM25 score of every passage for `question` (zeros when no word is known).

        With `statistics`, each row is scored with that idf and mean length instead of the
        ones the index was built with: a live index scores the rows it serves now.
        """
        data, indices, indptr, vocab = self.matrix.data, self.matrix.indices, self.matrix.indptr, self.matrix.vocab
        out = np.zeros(self.num_docs, dtype=np.float32)
        # Word by word in the question's order, repeats counted, as bm25s sums them.
        for token in tokenize(question):
            token_id = vocab.get(token)
            if token_id is not None:
                start, end = int(indptr[token_id]), int(indptr[token_id + 1])
                rows, stored = indices[start:end], data[start:end]
                # A word's postings name each row once, so a plain fancy-index add is exact.
                out[rows] += stored if statistics is None else self._rescored(token, rows, stored, statistics)
        return out

    def scores_at(self, question: str, rows: np.ndarray, statistics: Statistics | None = None) -> np.ndarray:
        """`scores(question, statistics)[rows]`, computed for those rows only.

        Answering scores the few dozen sentences of the top passages; scoring all of them
        costs a dense array the size of the corpus (6.5M sentences at 1M passages). Each
        word's postings are sorted by row (checked at build), so a binary search finds the rows.
        """
        data, indices, indptr, vocab = self.matrix.data, self.matrix.indices, self.matrix.indptr, self.matrix.vocab
        # Rows in the postings' own integer type: with another, numpy would convert (copy)
        # every word's whole postings list before searching it.
        rows = np.asarray(rows).astype(indices.dtype, copy=False)
        out = np.zeros(len(rows), dtype=np.float32)
        for token in tokenize(question):
            token_id = vocab.get(token)
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
    """BM25 over rows added after a build (several documents' `Postings`, in order), with the
    build's k1 and b (bm25s' Lucene variant).

    A live index passes the statistics of every row it serves (`Statistics`), so a new passage
    scores as a full build of those rows would score it. Without them, a word's idf counts the
    build's rows and these together and lengths are normalised by the build's mean.
    """

    def __init__(self, base: LexicalIndex, parts: Sequence[Postings], previous: SegmentLexical | None = None) -> None:
        self._base = base
        self._parts = tuple(parts)
        self._n = sum(len(part) for part in parts)
        self._total_length = int(sum(np.maximum(part.lengths, 1).sum() for part in parts))
        kept = previous._parts if previous is not None and previous._base is base else ()
        if kept and len(kept) <= len(self._parts) and all(a is b for a, b in zip(kept, self._parts)):
            assert previous is not None
            self._words = _merged(self._parts[len(kept):], previous._words, previous._n)
        else:
            self._words = _merged(self._parts)
        """Each word's rows in the segment, its counts there and those rows' lengths: merged at
        the write (extending the previous segment's when the write only added documents), so a
        question looks each word up once instead of once per written document."""

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
        found = self._words.get(token)
        return 0 if found is None else len(found[0])

    def document_frequency(self, token: str) -> int:
        """Rows of the build and of this segment containing `token`."""
        return self._base.document_frequency(token) + self.own_frequency(token)

    @property
    def total_length(self) -> int:
        """The rows' lengths summed, an empty row counting 1 as in a build."""
        return self._total_length

    def scores(self, question: str, statistics: Statistics | None = None) -> np.ndarray:
        """BM25 score of every row for `question`, with `statistics` when given, else with the
        build's mean length and each word's idf over the build's rows and these together."""
        out = np.zeros(self._n, dtype=np.float32)
        k1, b = self._base.parameters
        total = self._base.num_docs + self._n
        for token in tokenize(question):
            found = self._words.get(token)
            if found is None:
                continue
            rows, tf, lengths = found
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


def _merged(
    parts: Sequence[Postings], into: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None,
    first: int = 0,
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The postings of consecutive parts as one, rows renumbered from `first` on, added after
    the merged postings `into` (left unchanged: a reader may still be using them)."""
    pieces: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for part in parts:
        for token, (rows, counts, lengths) in part.words.items():
            pieces.setdefault(token, []).append((rows + first, counts, lengths))
        first += len(part)
    merged = dict(into) if into else {}
    for token, found in pieces.items():
        earlier = merged.get(token)
        if earlier is not None:
            found.insert(0, earlier)
        # Concatenated once per word: appending part by part would copy a common word's rows
        # once per part.
        merged[token] = found[0] if len(found) == 1 else (
            np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found]),
            np.concatenate([f[2] for f in found]))
    return merged
