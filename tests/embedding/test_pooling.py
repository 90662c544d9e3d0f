"""Span pooling, exact: a tiny hand-made token matrix, every expected vector worked out by hand."""

from __future__ import annotations

import numpy as np

from rag.embedding.pooling import pool_spans


def test_a_span_is_the_unit_mean_of_the_real_tokens_overlapping_it() -> None:
    # [CLS] "ab" "cd" "ef" [SEP] [PAD]: characters 0-2, 3-5, 6-8; special and padding tokens never count.
    tokens = np.array([[9, 9], [3, 0], [0, 4], [1, 1], [9, 9], [9, 9]], dtype=np.float32)
    offsets = np.array([[0, 0], [0, 2], [3, 5], [6, 8], [0, 0], [0, 0]])
    real = np.array([False, True, True, True, False, False])
    pooled, found = pool_spans(tokens, offsets, real, [(0, 5), (4, 8), (20, 30)])
    # (3, 0) and (0, 4): mean (1.5, 2), unit (0.6, 0.8); (0, 4) and (1, 1): mean (0.5, 2.5), unit (1, 5) / sqrt(26).
    np.testing.assert_allclose(pooled[0], [0.6, 0.8], atol=1e-6)
    np.testing.assert_allclose(pooled[1], np.array([1, 5]) / np.sqrt(26), atol=1e-6)
    assert found.tolist() == [True, True, False]
    assert pooled.dtype == np.float32 and not pooled[2].any()
