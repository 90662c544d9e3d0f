"""BM25 of a live segment: written passages scored on the build's scale (exact arithmetic)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rag.index.lexical import LexicalIndex, Postings, SegmentLexical, tokenize
from rag.index.live import _Lexical


def test_segment_rows_score_with_the_builds_statistics_and_their_own_counts() -> None:
    base = LexicalIndex.build(["apple banana", "banana cherry", "cherry date"])  # 3 rows, 2 words each
    # Two documents' rows: the first has one row, the second one.
    segment = SegmentLexical(base, [Postings([tokenize("apple apple cherry")]), Postings([tokenize("date")])])
    k1, b = base.parameters
    assert (k1, b, base.avg_doc_len, base.num_docs) == (1.5, 0.75, 2.0, 3)

    def expected(tf: int, length: int, df: int) -> float:
        idf = math.log(1 + (5 - df + 0.5) / (df + 0.5))  # 3 build rows + 2 segment rows
        return idf * tf / (tf + k1 * (1 - b + b * length / 2.0))

    # "apple": once in the build, in the first segment row twice (3 words long).
    assert segment.scores("apple") == pytest.approx([expected(2, 3, 2), 0.0], rel=1e-6)
    # Words add up; a word no row has adds nothing.
    both = expected(2, 3, 2) + expected(1, 3, 3)
    assert segment.scores("apple cherry zebra") == pytest.approx([both, 0.0], rel=1e-6)
    assert segment.scores_at("date", np.array([1, 0])) == pytest.approx([expected(1, 1, 2), 0.0], rel=1e-6)
    assert segment.scores("the of").tolist() == [0.0, 0.0]


def test_a_live_index_scores_as_a_full_build_of_the_rows_it_serves() -> None:
    # Rows of different lengths, one hidden and two written: idf and the mean length change.
    base = LexicalIndex.build(["apple banana", "banana cherry cherry fig", "cherry date", "banana banana", ""])
    segment = SegmentLexical(base, [Postings([tokenize("apple cherry"), tokenize("elder banana apple fig grape")])])
    hidden = np.array([False, True, False, False, False])  # "banana cherry cherry fig" deleted
    live = _Lexical(base, segment, 5, hidden)
    full = LexicalIndex.build(["apple banana", "cherry date", "banana banana", "", "apple cherry",
                               "elder banana apple fig grape"])
    served = np.array([0, 2, 3, 4, 5, 6])  # the live rows the full build's rows 0-5 are

    assert live.num_docs == 6
    for question in ("apple", "banana", "cherry date", "elder apple banana fig", "banana banana", "zebra"):
        scores = live.scores(question)
        assert scores[1] == 0.0
        assert scores[served] == pytest.approx(full.scores(question), rel=1e-6, abs=1e-7)
        assert live.scores_at(question, served[::-1]) == pytest.approx(full.scores(question)[::-1], rel=1e-6, abs=1e-7)
        for word in tokenize(question):
            assert live.document_frequency(word) == full.document_frequency(word)


def test_a_segment_extends_the_previous_ones_merge_and_gives_the_same_scores() -> None:
    base = LexicalIndex.build(["apple banana", "banana cherry", "cherry date"])
    first, second, third = (Postings([tokenize(t) for t in texts]) for texts in (
        ["apple apple cherry", "date"], ["banana date date", "elder"], ["apple elder fig", "cherry"]))
    before = SegmentLexical(base, [first, second])
    questions = ("apple", "date elder", "cherry fig banana", "zebra")
    scores_before = [before.scores(q) for q in questions]
    extended = SegmentLexical(base, [first, second, third], previous=before)
    other_order = SegmentLexical(base, [second, first, third], previous=before)  # not a prefix: merged anew
    for question, earlier in zip(questions, scores_before):
        fresh = SegmentLexical(base, [first, second, third]).scores(question)
        np.testing.assert_array_equal(extended.scores(question), fresh)
        np.testing.assert_array_equal(other_order.scores(question),
                                      SegmentLexical(base, [second, first, third]).scores(question))
        np.testing.assert_array_equal(before.scores(question), earlier)  # the served segment is untouched
        for word in tokenize(question):
            assert extended.own_frequency(word) == SegmentLexical(base, [first, second, third]).own_frequency(word)
