"""Cut parsed transcripts into passages: one per speaker turn, long turns split at sentences.

A passage's span is always a stretch of one turn, so a citation never mixes speakers.
A journalist's question travels with the answer turns that follow it, in the text that is
embedded (`Passage.context`), never in the cited span.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from rag.config import ChunkSettings
from rag.records import Passage, Sentence, Transcript, Turn, TurnKind
from rag.sentences import sentence_spans
from rag.tokens import TokenCounter

_WORD = re.compile(r"\S+")


def passage_id(doc_id: str, start: int, end: int) -> str:
    """Stable id derived from what the passage cites."""
    return hashlib.blake2b(f"{doc_id}\x00{start}\x00{end}".encode(), digest_size=8).hexdigest()


def chunk_transcripts(
    transcripts: Iterable[Transcript], tokenizer: TokenCounter, settings: ChunkSettings
) -> list[Passage]:
    """All passages of all transcripts, in document then source order."""
    return [p for t in transcripts for p in chunk_transcript(t, tokenizer, settings)]


def chunk_transcript(transcript: Transcript, tokenizer: TokenCounter, settings: ChunkSettings) -> list[Passage]:
    """Passages of one transcript; every span lies inside one turn and fits the token budget."""
    passages: list[Passage] = []
    context: str | None = None
    for turn in transcript.turns:
        if turn.kind is TurnKind.QUESTION:
            passages.extend(_chunk_turn(transcript, turn, None, tokenizer, settings))
            context = _truncate(transcript.text[turn.start : turn.end], settings.context_tokens, tokenizer)
            continue
        passages.extend(_chunk_turn(transcript, turn, context, tokenizer, settings))
    return passages


def embedding_text(passage: Passage, source: str) -> str:
    """What the embedder sees for a passage: the question it answers, the speaker, the text."""
    parts = []
    if passage.context:
        parts.append(f"Question: {passage.context}")
    body = source[passage.start : passage.end]
    parts.append(f"{passage.speaker}: {body}" if passage.speaker else body)
    return "\n".join(parts)


def _chunk_turn(
    transcript: Transcript, turn: Turn, context: str | None, tokenizer: TokenCounter, settings: ChunkSettings
) -> list[Passage]:
    text = transcript.text
    pieces = [
        piece
        for start, end in sentence_spans(text, turn.start, turn.end)
        for piece in _fit(text, start, end, tokenizer, settings.max_tokens)
    ]
    passages = []
    for group in _pack(text, pieces, settings):
        start, end = group[0][0], group[-1][1]
        passages.append(
            Passage(
                id=passage_id(transcript.doc_id, start, end),
                doc_id=transcript.doc_id,
                turn_index=turn.index,
                kind=turn.kind,
                speaker=turn.speaker,
                role=turn.role,
                start=start,
                end=end,
                sentences=[Sentence(s, e) for s, e, _ in group],
                context=context,
            )
        )
    return passages


def _fit(text: str, start: int, end: int, tokenizer: TokenCounter, budget: int) -> list[tuple[int, int, int]]:
    """A sentence as (start, end, tokens); one longer than the budget is cut at word boundaries."""
    tokens = len(tokenizer.encode_ordinary(text[start:end]))
    if tokens <= budget:
        return [(start, end, tokens)]
    pieces: list[tuple[int, int, int]] = []
    piece_start = piece_end = start
    piece_tokens = 0
    for word in _WORD.finditer(text, start, end):
        word_tokens = len(tokenizer.encode_ordinary(" " + word.group()))
        if piece_tokens + word_tokens > budget and piece_end > piece_start:
            pieces.append((piece_start, piece_end, len(tokenizer.encode_ordinary(text[piece_start:piece_end]))))
            piece_start, piece_tokens = word.start(), 0
        piece_end = word.end()
        piece_tokens += word_tokens
    pieces.append((piece_start, piece_end, len(tokenizer.encode_ordinary(text[piece_start:piece_end]))))
    return pieces


def _pack(
    text: str, pieces: list[tuple[int, int, int]], settings: ChunkSettings
) -> list[list[tuple[int, int, int]]]:
    """Greedy packing of sentences under the budget, repeating trailing sentences as overlap."""
    groups: list[list[tuple[int, int, int]]] = []
    first = 0
    while first < len(pieces):
        last = first
        used = pieces[first][2]
        # A gap (paragraph break) costs a token or so; counting it keeps the bound honest.
        while last + 1 < len(pieces) and used + 1 + pieces[last + 1][2] <= settings.max_tokens:
            last += 1
            used += 1 + pieces[last][2]
        groups.append(pieces[first : last + 1])
        if last + 1 >= len(pieces):
            break
        first = _overlap_start(pieces, first, last, settings)
    return groups


def _overlap_start(pieces: list[tuple[int, int, int]], first: int, last: int, settings: ChunkSettings) -> int:
    """Where the next passage starts: trailing sentences of this one, as long as the overlap
    stays within its budget and leaves room for the next new sentence."""
    start = last + 1
    room = settings.max_tokens - pieces[last + 1][2] - 1
    carried = 0
    while start - 1 > first:
        cost = pieces[start - 1][2] + 1
        if carried + cost > min(settings.overlap_tokens, room):
            break
        start -= 1
        carried += cost
    return start


def _truncate(text: str, budget: int, tokenizer: TokenCounter) -> str | None:
    if budget <= 0 or not text.strip():
        return None
    words = []
    used = 0
    for word in text.split():
        cost = len(tokenizer.encode_ordinary(" " + word))
        if used + cost > budget:
            break
        words.append(word)
        used += cost
    return " ".join(words) or None
