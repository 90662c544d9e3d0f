"""Fitting the abstention threshold on a gold set's unanswerable questions.

The eval runs every question with abstention switched off, then tries every threshold between the observed
confidences: abstaining below it must not refuse more than `max_refused` of the
answerable questions, and among those thresholds the one with the best F1 on
"should abstain" wins (ties: the lower threshold, which refuses less).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from rag.query.answerability import CONFIDENCE_SCALE, low_confidence_reason
from rag.index.calibration import Calibration
from rag.evaluation.types import GoldQuestion, RunRow



def apply_threshold(rows: Sequence[RunRow], threshold: float) -> list[RunRow]:
    """Rows as the service would answer with `threshold`: low-confidence answers become abstentions."""
    adjusted = []
    for row in rows:
        if not row.abstained and row.confidence is not None and row.confidence < threshold:
            row = msgspec.structs.replace(
                row, abstained=True, extracts=[],
                abstain_reason=low_confidence_reason(row.confidence, threshold),
            )
        adjusted.append(row)
    return adjusted


def fit_threshold(
    gold: Sequence[GoldQuestion], rows: Sequence[RunRow], *, max_refused: float = 0.05
) -> tuple[float, dict[str, float | int | None]]:
    """The threshold to store, with the abstention figures it gives on `gold`."""
    answerable = {q.id for q in gold if q.answerable}
    unanswerable = {q.id for q in gold if not q.answerable}
    scored = [r for r in rows if r.id in answerable or r.id in unanswerable]
    confidences = sorted({r.confidence for r in scored if r.confidence is not None and not r.abstained})
    candidates = [-1.0] + [(a + b) / 2 for a, b in zip(confidences, confidences[1:])]
    best: tuple[float, float, dict[str, float | int | None]] | None = None
    for threshold in candidates:
        stats = _stats(apply_threshold(scored, threshold), answerable, unanswerable)
        if answerable and stats["wrongly_refused"] / len(answerable) > max_refused:  # type: ignore[operator]
            continue
        f1 = _f1(stats["abstention_precision"], stats["abstention_recall"])
        if best is None or f1 > best[1]:
            best = (threshold, f1, stats)
    assert best is not None  # threshold -1 refuses nothing new, so it always qualifies
    return round(best[0], 4), best[2]


def calibration_for(
    threshold: float, stats: dict[str, float | int | None], *, model: str, weights_sha256: str,
    chunking: dict[str, object], gold: str, n_answerable: int, n_unanswerable: int,
) -> Calibration:
    """A `Calibration` record for the current index."""
    return Calibration(
        min_score=threshold, model=model, weights_sha256=weights_sha256, chunking=chunking, gold=gold,
        n_answerable=n_answerable, n_unanswerable=n_unanswerable,
        abstention_precision=stats["abstention_precision"], abstention_recall=stats["abstention_recall"],  # type: ignore[arg-type]
        wrongly_refused=int(stats["wrongly_refused"] or 0),
        fitted_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), scale=CONFIDENCE_SCALE,
    )


def _stats(rows: Sequence[RunRow], answerable: set[str], unanswerable: set[str]) -> dict[str, float | int | None]:
    abstained = {r.id for r in rows if r.abstained}
    true_positive = len(abstained & unanswerable)
    return {
        "abstention_precision": true_positive / len(abstained) if abstained else None,
        "abstention_recall": true_positive / len(unanswerable) if unanswerable else None,
        "wrongly_refused": len(abstained & answerable),
    }


def _f1(precision: float | int | None, recall: float | int | None) -> float:
    if not precision or not recall:
        return 0.0
    return 2 * precision * recall / (precision + recall)
