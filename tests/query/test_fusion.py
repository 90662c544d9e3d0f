"""Fusion arithmetic, exact: tiny hand-made score arrays, every expected number worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from rag.query.fusion import found_in, reciprocal_rank_fusion, weighted_fusion


def test_weighted_fusion_scales_each_retriever_to_its_own_candidates() -> None:
    candidates = np.array([3, 5, 7, 9])
    # Dense found 3, 5, 7 (cosines 0.9, 0.7, 0.5); 9 came from BM25 only, its cosine 0.3 is below the
    # dense floor and so scales to 0. BM25 found 5, 7, 9 (4, 2, 6); 3 has BM25 score 0.
    dense_scores = np.array([0.9, 0.7, 0.5, 0.3])
    lexical_scores = np.array([0.0, 4.0, 2.0, 6.0])
    fused = weighted_fusion(
        candidates, dense_scores, np.array([True, True, True, False]), lexical_scores,
        np.array([False, True, True, True]), dense_weight=0.5,
    )
    # dense scaled over [0.5, 0.9]: 1, 0.5, 0, 0 (clipped); lexical over [2, 6]: 0 (clipped), 0.5, 0, 1.
    assert fused == pytest.approx({3: 0.5, 5: 0.5, 7: 0.0, 9: 0.5})


def test_weighted_fusion_with_one_candidate_per_retriever_gives_it_full_marks() -> None:
    candidates = np.array([1, 2])
    fused = weighted_fusion(candidates, np.array([0.8, 0.1]), np.array([True, False]), np.array([0.0, 3.0]),
                            np.array([False, True]), dense_weight=0.7)
    # A flat range marks the values at or above its best as 1, the rest 0.
    assert fused == pytest.approx({1: 0.7, 2: 0.3})


def test_weighted_fusion_without_lexical_candidates_is_the_scaled_dense_score() -> None:
    candidates = np.array([4, 8])
    fused = weighted_fusion(candidates, np.array([0.6, 0.2]), np.array([True, True]), np.zeros(2),
                            np.array([False, False]), dense_weight=0.5)
    assert fused == pytest.approx({4: 0.5, 8: 0.0})


def test_reciprocal_rank_fusion_sums_one_over_k_plus_rank() -> None:
    fused = reciprocal_rank_fusion([np.array([10, 20, 30]), np.array([30, 10])], k=60)
    assert fused == pytest.approx({10: 1 / 61 + 1 / 62, 20: 1 / 62, 30: 1 / 63 + 1 / 61})
    assert reciprocal_rank_fusion([], k=60) == {}


def test_found_in_marks_the_candidates_a_retriever_returned() -> None:
    candidates = np.array([2, 4, 8, 16, 32])
    assert found_in(candidates, np.array([32, 4])).tolist() == [False, True, False, False, True]
    assert found_in(candidates, np.array([], dtype=np.int64)).tolist() == [False] * 5
    assert found_in(candidates, candidates[::-1]).all()
