"""Cut parsed transcripts into passages: one per speaker turn, long turns split at sentences.

A long turn is split at sentence boundaries under the token budget, with overlap. Short
consecutive turns (a meeting's "Yep." "So which is my bar?") are grouped into one passage
up to the budget, because one by one they mean nothing to a retriever. Every sentence lies
inside one turn, so an extract's citation always has one speaker.

A journalist's question travels with the answer turns that follow it, in the text that is
embedded (`Passage.context`), never in the cited span.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

from rag.settings import ChunkSettings
from rag.types import Passage, Sentence, Transcript, Turn, TurnKind
from rag.chunking.sentences import sentence_spans, wrap_column
from rag.chunking.tokens import TokenCounter

# A word, or in scripts written without spaces (Chinese, Japanese) a clause up to its comma.
_WORD = re.compile(r"[^\s，、；：]+[，、；：]*|[，、；：]+")
_TITLE_WORDS = 16


def passage_id(doc_id: str, start: int, end: int) -> str:
    """Stable id derived from what the passage cites."""
    return hashlib.blake2b(f"{doc_id}\x00{start}\x00{end}".encode(), digest_size=8).hexdigest()


def chunk_transcripts(
    transcripts: Iterable[Transcript], tokenizer: TokenCounter, settings: ChunkSettings
) -> list[Passage]:
    """All passages of all transcripts, in document then source order."""
    return [p for t in transcripts for p in chunk_transcript(t, tokenizer, settings)]


def chunk_transcript(transcript: Transcript, tokenizer: TokenCounter, settings: ChunkSettings) -> list[Passage]:
    """Passages of one transcript, in source order; each fits the token budget."""
    passages: list[Passage] = []
    context: str | None = None
    group: list[Turn] = []
    group_context: str | None = None
    text = transcript.text
    column = wrap_column(text)

    def flush() -> None:
        if group:
            passages.append(_group_passage(transcript, group, group_context, column, tokenizer, settings))
            group.clear()

    for turn in transcript.turns:
        tokens = len(tokenizer.encode_ordinary(text[turn.start : turn.end]))
        if _groupable(turn, tokens, settings):
            if group and len(tokenizer.encode_ordinary(text[group[0].start : turn.end])) > settings.max_tokens:
                flush()
            if not group:
                group_context = context
            group.append(turn)
        else:
            flush()
            own_context = None if turn.kind in (TurnKind.QUESTION, TurnKind.HEADER) else context
            passages.extend(_chunk_turn(transcript, turn, own_context, column, tokenizer, settings))
        if turn.kind is TurnKind.QUESTION:
            context = _truncate(text[turn.start : turn.end], settings.context_tokens, tokenizer)
    flush()
    return passages


def embedding_text(passage: Passage, transcript: Transcript) -> str:
    """What the embedder (and BM25) sees for a passage: the document's title, the question it
    answers, the speaker, the text.

    The title places a passage in its event ("SCIO briefing on ... B&R Initiative"), which
    questions often name. A grouped passage's later speaker labels are inside its span
    already; the first one is not.
    """
    # Capped so title, question and passage stay inside the model's 256-wordpiece window.
    parts = [" ".join(transcript.title.split()[:_TITLE_WORDS])] if transcript.title else []
    if passage.context:
        parts.append(f"Question: {passage.context}")
    body = transcript.text[passage.start : passage.end]
    first_speaker = passage.speakers[0] if passage.speakers else None
    parts.append(f"{first_speaker}: {body}" if first_speaker else body)
    return "\n".join(parts)


def sentence_spans_in(text: str, passage: Passage) -> list[tuple[int, int]]:
    """Where `passage`'s sentences sit inside `text`, its `embedding_text`.

    The embedding text ends with the passage's cited span, so each sentence's place there is
    its place in the source shifted by one constant. Its vector is pooled from the passage's
    own encoder pass: "It has more than 300 routes." is read with the port named before it.
    """
    shift = len(text) - (passage.end - passage.start) - passage.start
    return [(sentence.start + shift, sentence.end + shift) for sentence in passage.sentences]


def _groupable(turn: Turn, tokens: int, settings: ChunkSettings) -> bool:
    limit = min(settings.group_tokens, settings.max_tokens)
    return limit > 0 and tokens <= limit and turn.kind is not TurnKind.HEADER


def _group_passage(
    transcript: Transcript, turns: list[Turn], context: str | None, column: int | None, tokenizer: TokenCounter,
    settings: ChunkSettings,
) -> Passage:
    if len(turns) == 1:
        # A short turn alone is an ordinary one-turn passage.
        return _chunk_turn(transcript, turns[0], context, column, tokenizer, settings)[0]
    start, end = turns[0].start, turns[-1].end
    speakers = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    kinds = {t.kind for t in turns}
    only = turns[0] if len(speakers) == 1 and all(t.speaker == speakers[0] for t in turns) else None
    return Passage(
        id=passage_id(transcript.doc_id, start, end),
        doc_id=transcript.doc_id,
        turn_index=turns[0].index,
        last_turn_index=turns[-1].index,
        kind=kinds.pop() if len(kinds) == 1 else TurnKind.SPEECH,
        speaker=only.speaker if only else None,
        role=only.role if only else None,
        start=start,
        end=end,
        sentences=[Sentence(s, e) for t in turns for s, e in sentence_spans(transcript.text, t.start, t.end, column)],
        speakers=speakers,
        context=context,
    )


def _chunk_turn(
    transcript: Transcript, turn: Turn, context: str | None, column: int | None, tokenizer: TokenCounter,
    settings: ChunkSettings,
) -> list[Passage]:
    text = transcript.text
    pieces = [
        piece
        for start, end in sentence_spans(text, turn.start, turn.end, column)
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
                last_turn_index=turn.index,
                kind=turn.kind,
                speaker=turn.speaker,
                role=turn.role,
                start=start,
                end=end,
                sentences=[Sentence(s, e) for s, e, _ in group],
                speakers=[turn.speaker] if turn.speaker else [],
                context=context,
            )
        )
    return passages


def _fit(text: str, start: int, end: int, tokenizer: TokenCounter, budget: int) -> list[tuple[int, int, int]]:
    """A sentence as (start, end, tokens); one longer than the budget is cut at word boundaries
    (a word itself over the budget, in text without spaces, between characters)."""
    tokens = len(tokenizer.encode_ordinary(text[start:end]))
    if tokens <= budget:
        return [(start, end, tokens)]
    pieces: list[tuple[int, int, int]] = []
    piece_start = piece_end = start
    piece_tokens = 0
    for word_start, word_end in _words(text, start, end, tokenizer, budget):
        word_tokens = len(tokenizer.encode_ordinary(" " + text[word_start:word_end]))
        if piece_tokens + word_tokens > budget and piece_end > piece_start:
            pieces.append((piece_start, piece_end, len(tokenizer.encode_ordinary(text[piece_start:piece_end]))))
            piece_start, piece_tokens = word_start, 0
        piece_end = word_end
        piece_tokens += word_tokens
    pieces.append((piece_start, piece_end, len(tokenizer.encode_ordinary(text[piece_start:piece_end]))))
    return pieces


def _words(text: str, start: int, end: int, tokenizer: TokenCounter, budget: int) -> Iterator[tuple[int, int]]:
    """The spans of the words in `text[start:end]`, each within the budget (with a space before it)."""
    for word in _WORD.finditer(text, start, end):
        # A character is at most a few tokens: only a long word can be over the budget.
        if len(word.group()) * 4 < budget:
            yield word.span()
            continue
        yield from _character_runs(text, *word.span(), tokenizer, budget - 1)


def _character_runs(text: str, start: int, end: int, tokenizer: TokenCounter, budget: int) -> Iterator[tuple[int, int]]:
    """`text[start:end]` cut into runs of characters of at most `budget` tokens each."""
    while start < end:
        size = end - start
        while (tokens := len(tokenizer.encode_ordinary(text[start : start + size]))) > budget:
            size = max(1, min(size - 1, size * budget // tokens))
        yield start, start + size
        start += size


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
