"""BM25's score matrix built by bm25s: imported only where an index is built.

bm25s brings scipy, which a serving process never needs: it reads the matrix with numpy
(`LexicalIndex.load`).
"""

from __future__ import annotations

import itertools
from typing import Any

import bm25s
import numpy as np

from rag.index.lexical import ScoreMatrix, bm25_idf


def score_matrix(documents: list[list[str]]) -> ScoreMatrix:
    """BM25 (Lucene variant, bm25s's defaults) of documents already tokenised, none empty, in row order."""
    model = _ArrayBM25()
    if not documents:  # bm25s cannot index nothing; an empty matrix is what it would mean
        return ScoreMatrix(np.zeros(0, dtype=model.dtype), np.zeros(0, dtype=model.int_dtype),
                           np.zeros(1, dtype=model.int_dtype), {}, float(model.k1), float(model.b))
    model.index(documents, show_progress=False)
    scores = model.scores
    return ScoreMatrix(scores["data"], scores["indices"], scores["indptr"], dict(model.vocab_dict),
                       float(model.k1), float(model.b))


class _ArrayBM25(bm25s.BM25):
    """bm25s's BM25 whose index is built by array operations instead of a Python loop per
    document: the hook bm25s offers for building "in a different way". For its default
    (Lucene) scoring the scores are bm25s's own, bit for bit (a test compares the arrays), made
    about 10x faster, which is most of what a build spends outside the model. Words are
    numbered in the order they first occur, so one corpus always gives the same files."""

    def build_index_from_tokens(
        self, corpus_tokens: list[list[str]], show_progress: bool = True, leave_progress: bool = False
    ) -> tuple[dict[str, Any], dict[str, int]]:
        """The score matrix and the words' numbers, first occurrence first."""
        # bm25s numbers words in the order of a Python set, which changes with the hash seed of
        # each process: two builds of one corpus wrote different BM25 files (same scores).
        words_in_order = dict.fromkeys(itertools.chain.from_iterable(corpus_tokens))
        vocab = {word: number for number, word in enumerate(words_in_order)}
        ids = [[vocab[word] for word in words] for words in corpus_tokens]
        return self.build_index_from_ids(list(vocab.values()), ids, show_progress, leave_progress), vocab

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
