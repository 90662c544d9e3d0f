"""Turning retrieved passages into an answer: the sentences that answer, cited exactly.

Sentence vectors are computed at index time, so answering costs one dot product per
candidate sentence and no model call beyond embedding the question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.index import LoadedIndex
from rag.records import Answer, Citation, Extract, Hit, Passage, TurnKind
from rag.retrieval import ScoredPassage

# How many of the top passages sentences are taken from.
CANDIDATE_PASSAGES = 3
# A sentence's own similarity counts most; the passage's rank breaks ties toward better passages.
SENTENCE_WEIGHT = 0.7
# Sentences this close to the best one join the answer.
SCORE_MARGIN = 0.06


@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    start: int
    end: int
    score: float


def build_answer(
    index: LoadedIndex,
    question: str,
    question_vector: np.ndarray,
    hits: list[ScoredPassage],
    *,
    min_score: float,
    max_sentences: int,
) -> Answer:
    """The cited answer to `question` from ranked `hits`; abstains when the best hit is below `min_score`."""
    retrieved = [_hit(index, hit) for hit in hits]
    if not hits or hits[0].score < min_score:
        return Answer(question=question, abstained=True, extracts=[], passages=retrieved)
    chosen = _choose_sentences(index, question_vector, hits, max_sentences)
    extracts = [_extract(index, group) for group in _merge_adjacent(index, chosen)]
    return Answer(question=question, abstained=not extracts, extracts=extracts, passages=retrieved)


def _choose_sentences(
    index: LoadedIndex, question_vector: np.ndarray, hits: list[ScoredPassage], max_sentences: int
) -> list[_Candidate]:
    candidates: dict[tuple[str, int, int], _Candidate] = {}
    answering = [h for h in hits if index.passages[h.position].kind is not TurnKind.QUESTION] or hits
    for hit in answering[:CANDIDATE_PASSAGES]:
        passage = index.passages[hit.position]
        rows = index.passage_sentence_rows[hit.position]
        similarities = index.sentence_vectors[rows] @ question_vector
        for sentence, similarity in zip(passage.sentences, similarities, strict=True):
            score = SENTENCE_WEIGHT * float(similarity) + (1 - SENTENCE_WEIGHT) * hit.score
            key = (passage.doc_id, sentence.start, sentence.end)
            if key not in candidates or candidates[key].score < score:
                candidates[key] = _Candidate(passage, sentence.start, sentence.end, score)
    ranked = sorted(candidates.values(), key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0].score
    chosen = [c for c in ranked[:max_sentences] if c.score >= best - SCORE_MARGIN]
    return sorted(chosen, key=lambda c: (c.passage.doc_id, c.start))


def _merge_adjacent(index: LoadedIndex, chosen: list[_Candidate]) -> list[list[_Candidate]]:
    """Group sentences of one turn separated only by whitespace, so they read as one extract."""
    groups: list[list[_Candidate]] = []
    for candidate in chosen:
        if groups:
            previous = groups[-1][-1]
            between = index.transcripts[candidate.passage.doc_id].text[previous.end : candidate.start]
            if (
                previous.passage.doc_id == candidate.passage.doc_id
                and previous.passage.turn_index == candidate.passage.turn_index
                and previous.end <= candidate.start
                and not between.strip()
            ):
                groups[-1].append(candidate)
                continue
        groups.append([candidate])
    return groups


def _extract(index: LoadedIndex, group: list[_Candidate]) -> Extract:
    first, last = group[0], group[-1]
    transcript = index.transcripts[first.passage.doc_id]
    citation = Citation(
        doc_id=transcript.doc_id,
        title=transcript.title,
        date=transcript.date,
        speaker=first.passage.speaker,
        role=first.passage.role,
        start=first.start,
        end=last.end,
        passage_id=first.passage.id,
        score=round(max(c.score for c in group), 4),
    )
    return Extract(text=transcript.text[first.start : last.end], citation=citation)


def _hit(index: LoadedIndex, hit: ScoredPassage) -> Hit:
    passage = index.passages[hit.position]
    transcript = index.transcripts[passage.doc_id]
    return Hit(
        passage_id=passage.id,
        doc_id=passage.doc_id,
        title=transcript.title,
        date=transcript.date,
        speaker=passage.speaker,
        role=passage.role,
        kind=passage.kind,
        start=passage.start,
        end=passage.end,
        score=round(hit.score, 4),
        text=transcript.text[passage.start : passage.end],
    )
