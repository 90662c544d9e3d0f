"""Turning retrieved passages into an answer: the sentences that answer, cited exactly.

Sentence vectors are computed at index time, so answering costs one dot product per
candidate sentence and no model call beyond embedding the question.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rag.query.answerability import AnswerabilityModel, Evidence, Signals, asked_type, has_type, reason, signals
from rag.query.protocols import ReadIndex
from rag.settings import AnswerSettings
from rag.types import Answer, Citation, Extract, Hit, Passage, Transcript, Turn, TurnKind
from rag.query.retrieval import ScoredPassage

@dataclass(frozen=True)
class _Candidate:
    passage: Passage
    start: int
    end: int
    score: float
    """What ranks the sentence: its `fit` to the question's form included."""
    similarity: float
    relevance: float
    """The score without `fit`: how close the sentence is, the answerability model's input."""


_EVIDENCE_SENTENCES = 5


def build_answer(
    index: ReadIndex,
    question: str,
    question_vector: np.ndarray,
    hits: list[ScoredPassage],
    *,
    min_score: float,
    settings: AnswerSettings,
    model: AnswerabilityModel,
) -> Answer:
    """The cited answer to `question` from ranked `hits`, or an abstention with its reason.

    `confidence` is the model's probability that the best sentences answer the question;
    below `min_score` the service abstains.
    """
    retrieved = [_hit(index, hit) for hit in hits]
    if not hits:
        return Answer(question=question, abstained=True, extracts=[], passages=[], confidence=0.0,
                      abstain_reason="no passage matches the question and filters")
    ranked, evidence = _evidence(index, question, question_vector, hits, settings)
    confidence = round(model.probability(signals(evidence, index, only=model.features)), 4)
    if confidence < min_score:
        # Every signal, for a reason that says what is missing: only when abstaining.
        why = reason(signals(evidence, index), confidence, min_score)
        return Answer(question=question, abstained=True, extracts=[], passages=retrieved,
                      confidence=confidence, abstain_reason=why)
    chosen = _with_replies(index, _quoted(index, ranked, settings))
    extracts = [_extract(index, group) for group in _merge_adjacent(index, chosen)]
    return Answer(question=question, abstained=False, extracts=extracts, passages=retrieved, confidence=confidence)


def answer_signals(
    index: ReadIndex, question: str, question_vector: np.ndarray, hits: list[ScoredPassage], settings: AnswerSettings,
) -> Signals | None:
    """What the answerability model sees for this question (None without hits): for training it."""
    if not hits:
        return None
    return signals(_evidence(index, question, question_vector, hits, settings)[1], index)


def _evidence(
    index: ReadIndex, question: str, question_vector: np.ndarray, hits: list[ScoredPassage], settings: AnswerSettings,
) -> tuple[list[_Candidate], Evidence]:
    """The ranked candidate sentences, and the evidence the answerability signals read."""
    ranked = _rank_sentences(index, question, question_vector, hits, settings)
    # The best sentence's own passage leads (the answer is read in its context), then the top
    # passages; each passage once (the best sentence's is usually among them).
    passages = [c.passage for c in ranked[:1]] + [index.passages[h.position] for h in hits[: settings.candidate_passages]]
    windows = [_window(index, passage) for passage in {p.id: p for p in passages}.values()]
    sentences = [
        (index.transcripts[c.passage.doc_id].text[c.start : c.end], c.relevance, c.similarity)
        for c in ranked[:_EVIDENCE_SENTENCES]
    ]
    relevance = max((c.relevance for c in ranked), default=0.0)
    return ranked, Evidence(question, sentences, windows, hits[0].similarity, relevance)


def _window(index: ReadIndex, passage: Passage) -> str:
    """A passage as a reader sees it: the document's title and date, who speaks, the question it
    answers, its text ("in 2024" is answered by a briefing dated 2024 that never says the year)."""
    transcript = index.transcripts[passage.doc_id]
    parts = (transcript.title, transcript.date, transcript.date_text, " ".join(passage.speakers), passage.context,
             transcript.text[passage.start : passage.end])
    return " ".join(filter(None, parts))


def _rank_sentences(
    index: ReadIndex,
    question: str,
    question_vector: np.ndarray,
    hits: list[ScoredPassage],
    settings: AnswerSettings,
) -> list[_Candidate]:
    """Sentences of the top passages, best first, each scored once (overlapping passages repeat them)."""
    answering = [h for h in hits if index.passages[h.position].kind is not TurnKind.QUESTION] or hits
    pool = answering[: settings.candidate_passages]
    rows = np.concatenate([index.passages.sentence_rows[h.position] for h in pool])
    similarities = index.sentence_vectors[rows] @ question_vector
    lexical = index.sentence_lexical.scores_at(question, rows)
    if lexical.max() > 0:
        lexical = lexical / lexical.max()
    candidates: dict[tuple[str, int, int], _Candidate] = {}
    kind = asked_type(question)
    offset = 0
    for hit in pool:
        passage = index.passages[hit.position]
        source = index.transcripts[passage.doc_id].text
        for sentence in passage.sentences:
            similarity = float(similarities[offset])
            score = (
                settings.sentence_weight * similarity
                + settings.passage_weight * hit.similarity
                + settings.lexical_weight * float(lexical[offset])
            )
            offset += 1
            key = (passage.doc_id, sentence.start, sentence.end)
            ranking = score + _fit(source[sentence.start : sentence.end], kind, question, settings)
            if key not in candidates or candidates[key].score < ranking:
                candidates[key] = _Candidate(passage, sentence.start, sentence.end, ranking, similarity, score)
    return sorted(candidates.values(), key=lambda c: -c.score)


def _fit(text: str, kind: str | None, question: str, settings: AnswerSettings) -> float:
    """How a sentence's form suits an answer: it holds the kind of answer asked for ("how many":
    a number), and it is not itself a question (a journalist's question repeats the words
    asked about and answers nothing)."""
    bonus = settings.type_bonus if kind is not None and has_type(text, kind, question) else 0.0
    return bonus - (settings.question_penalty if text.rstrip().endswith("?") else 0.0)


def _quoted(index: ReadIndex, ranked: list[_Candidate], settings: AnswerSettings) -> list[_Candidate]:
    """The sentences to quote: those within `margin` of the best, and the one right after the
    best in its turn when within `next_sentence_margin` of it.

    An answer often completes the sentence closest to the question ("Ningbo Zhoushan Port is the
    port with the most super-large ships ..." / "It has more than 300 international and domestic
    routes."), and the follower, about "it", is less similar to the question than it is relevant.
    """
    best = ranked[0]
    quoted = [c for c in ranked[: settings.max_extract_sentences] if c.score >= best.score - settings.margin]
    follower = _next_in_turn(index, best, ranked)
    if (follower is not None and follower not in quoted
            and follower.score >= best.score - settings.next_sentence_margin):
        quoted = sorted([*quoted, follower], key=lambda c: -c.score)[: settings.max_extract_sentences]
    return quoted


def _next_in_turn(index: ReadIndex, sentence: _Candidate, ranked: list[_Candidate]) -> _Candidate | None:
    """The candidate for the sentence right after `sentence` in its passage, if the same turn goes on."""
    sentences = sentence.passage.sentences
    following = next((b for a, b in zip(sentences, sentences[1:]) if a.start == sentence.start), None)
    if following is None:
        return None
    transcript = index.transcripts[sentence.passage.doc_id]
    if transcript.turn_at(following.start) != transcript.turn_at(sentence.start):
        return None
    doc_id = sentence.passage.doc_id
    return next((c for c in ranked if c.passage.doc_id == doc_id and c.start == following.start), None)


def _with_replies(index: ReadIndex, chosen: list[_Candidate]) -> list[_Candidate]:
    """`chosen` in source order, with the first sentence of the reply after any chosen sentence
    that is itself a question put to the speakers (counsel's `Q.`, a journalist's question, an
    interviewer's).

    Such a sentence repeats the words asked about, so it ranks high, but the answer is what
    follows it ("What time did he leave?" / "Around eight."). It is kept (asked "which outlet
    asked ...", the question's own speaker is the answer) and the reply is quoted after it,
    when the reply's first sentence is in the same passage.
    """
    picked = {(c.passage.doc_id, c.start): c for c in chosen}
    for candidate in chosen:
        transcript = index.transcripts[candidate.passage.doc_id]
        turn = transcript.turn_at(candidate.start)
        if turn is None or turn.index + 1 >= len(transcript.turns):
            continue
        reply = transcript.turns[turn.index + 1]
        if reply.kind in (TurnKind.QUESTION, TurnKind.HEADER):
            continue
        if not _puts_a_question(transcript, turn, reply, candidate):
            continue
        first = next((s for s in candidate.passage.sentences if reply.start <= s.start < reply.end), None)
        if first is not None:
            picked.setdefault((candidate.passage.doc_id, first.start), _Candidate(
                candidate.passage, first.start, first.end, candidate.score, candidate.similarity, candidate.relevance))
    return sorted(picked.values(), key=lambda c: (c.passage.doc_id, c.start))


def _puts_a_question(transcript: Transcript, turn: Turn, reply: Turn, candidate: _Candidate) -> bool:
    """Whether the turn holding `candidate` asks the next speaker: a question turn (`Q.`, a
    journalist), or, in an interview or a conversation, a sentence asking (`?`) that ends its
    speaker's turn, the reply another speaker's."""
    if turn.kind is TurnKind.QUESTION:
        return True
    asks = transcript.text[candidate.start : candidate.end].rstrip().endswith("?")
    ends_turn = not transcript.text[candidate.end : turn.end].strip()
    return asks and ends_turn and turn.speaker is not None and reply.speaker not in (None, turn.speaker)


def _merge_adjacent(index: ReadIndex, chosen: list[_Candidate]) -> list[list[_Candidate]]:
    """Group sentences of one turn separated only by whitespace, so they read as one extract."""
    groups: list[list[_Candidate]] = []
    for candidate in chosen:
        if groups:
            previous = groups[-1][-1]
            transcript = index.transcripts[candidate.passage.doc_id]
            between = transcript.text[previous.end : candidate.start]
            if (
                previous.passage.doc_id == candidate.passage.doc_id
                and previous.end <= candidate.start
                and not between.strip()
                and transcript.turn_at(previous.start) == transcript.turn_at(candidate.start)
            ):
                groups[-1].append(candidate)
                continue
        groups.append([candidate])
    return groups


def _extract(index: ReadIndex, group: list[_Candidate]) -> Extract:
    first, last = group[0], group[-1]
    transcript = index.transcripts[first.passage.doc_id]
    # The sentence's own turn: a grouped passage has several speakers.
    turn = transcript.turn_at(first.start)
    source, start_time, end_time = transcript.locate(first.start, last.end)
    citation = Citation(
        doc_id=transcript.doc_id,
        title=transcript.title,
        date=transcript.date,
        speaker=turn.speaker if turn else first.passage.speaker,
        role=turn.role if turn else first.passage.role,
        start=first.start,
        end=last.end,
        passage_id=first.passage.id,
        score=round(max(c.score for c in group), 4),
        start_time=start_time,
        end_time=end_time,
        media_link=media_link(transcript.media_url, start_time),
        source=source,
    )
    return Extract(text=transcript.text[first.start : last.end], citation=citation)


def _hit(index: ReadIndex, hit: ScoredPassage) -> Hit:
    passage = index.passages[hit.position]
    transcript = index.transcripts[passage.doc_id]
    _, start_time, end_time = transcript.locate(passage.start, passage.end)
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
        start_time=start_time,
        end_time=end_time,
    )


def media_link(media_url: str | None, start_time: float | None) -> str | None:
    """The recording at `start_time` as a media fragment (`#t=751.2`, W3C Media Fragments URI)."""
    # Only web addresses become links: a page follows them on a click.
    if media_url is None or not media_url.lower().startswith(("http://", "https://")):
        return None
    if start_time is None:
        return media_url
    return f"{media_url.split('#', 1)[0]}#t={start_time:g}"
