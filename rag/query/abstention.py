"""Deciding to abstain: say nothing rather than quote a passage that does not answer.

Two checks, both cheap:

* confidence: the best candidate sentence's score (see `rag.query.answer`) below a threshold
  fitted on the gold set's unanswerable questions (`rag eval --calibrate`);
* specifics: a number or year the question asks about ("in 2023") that none of the top
  passages, nor their documents' titles and dates, mention. Similarity alone cannot see
  this: "foreign capital use in 2023" is as close to the 2024 figure as the right question.
"""

from __future__ import annotations

import re

from rag.query.protocols import ReadIndex
from rag.query.retrieval import ScoredPassage

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
# Ordinals and small counts ("the 22 zones", "top 3") are often written out in the source.
_MIN_SPECIFIC = 10


def specifics(question: str) -> list[str]:
    """Numbers in the question that an answer would have to be about (years, figures >= 10)."""
    found = []
    for match in _NUMBER.finditer(question):
        digits = match.group().replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            continue
        if value >= _MIN_SPECIFIC:
            found.append(match.group())
    return found


def unmatched_specifics(question: str, index: ReadIndex, hits: list[ScoredPassage], depth: int) -> list[str]:
    """The question's numbers that no top-`depth` passage, title or document date contains."""
    wanted = specifics(question)
    if not wanted:
        return []
    texts = []
    for hit in hits[:depth]:
        passage = index.passages[hit.position]
        transcript = index.transcripts[passage.doc_id]
        texts.append(transcript.text[passage.start : passage.end])
        texts.extend(filter(None, (transcript.title, transcript.date, transcript.date_text)))
    haystack = " ".join(texts)
    return [number for number in wanted if not re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d])", haystack)]


def low_confidence_reason(confidence: float, min_confidence: float) -> str:
    """The reason given when the best sentence scores below the threshold."""
    return f"no passage is close enough to the question (confidence {confidence:.3f} < {min_confidence:.3f})"


def abstention_reason(
    question: str, index: ReadIndex, hits: list[ScoredPassage], confidence: float, min_confidence: float,
    depth: int,
) -> str | None:
    """Why the service should not answer, or None when it should."""
    if not hits:
        return "no passage matches the question and filters"
    if confidence < min_confidence:
        return low_confidence_reason(confidence, min_confidence)
    missing = unmatched_specifics(question, index, hits, depth)
    if missing:
        return f"no passage close to the question mentions {', '.join(missing)}"
    return None
