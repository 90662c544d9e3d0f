"""Passages: inside one turn, exact spans, within the token budget and the embedder's window."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.chunking import chunk_transcript, chunk_transcripts, embedding_text, sentence_spans_in
from rag.settings import ChunkSettings
from rag.types import Passage, Transcript, TurnKind
from rag.chunking.sentences import sentence_spans, wrap_column
from rag.service import QAService
from rag.chunking.tokens import TokenCounter
from rag.ingest.text import parse_transcript
from tests.conftest import QMSUM_DOCS, SEEDS


def parse_folder(folder: Path) -> list[Transcript]:
    return [parse_transcript(p.name, p.read_bytes().decode("utf-8")) for p in sorted(folder.glob("*.txt"))]


def corpora() -> list[Path]:
    return [SEEDS] + ([QMSUM_DOCS] if QMSUM_DOCS.is_dir() else [])


@pytest.mark.parametrize("folder", corpora(), ids=lambda p: p.name)
def test_passages_are_exact_within_their_turns_and_within_budget(folder: Path, tokenizer: TokenCounter) -> None:
    chunk = ChunkSettings()
    for transcript in parse_folder(folder):
        passages = chunk_transcript(transcript, tokenizer, chunk)
        for passage in passages:
            turns = transcript.turns[passage.turn_index : passage.last_turn_index + 1]
            assert turns[0].start <= passage.start < passage.end <= turns[-1].end
            body = transcript.text[passage.start : passage.end]
            assert body == body.strip()
            assert len(tokenizer.encode_ordinary(body)) <= chunk.max_tokens
            assert passage.sentences[0].start == passage.start and passage.sentences[-1].end == passage.end
            # Every sentence lies inside one turn, so every extract has one speaker.
            for sentence in passage.sentences:
                turn = transcript.turn_at(sentence.start)
                assert turn is not None and sentence.end <= turn.end
            assert passage.speakers == list(dict.fromkeys(t.speaker for t in turns if t.speaker))
            if len(turns) == 1:
                assert (passage.speaker, passage.kind) == (turns[0].speaker, turns[0].kind)
            else:
                assert all(
                    len(tokenizer.encode_ordinary(transcript.text[t.start : t.end])) <= chunk.group_tokens
                    for t in turns
                )


def test_short_turns_are_grouped_and_long_ones_stand_alone(tokenizer: TokenCounter) -> None:
    # Over the 150-token passage budget: a turn that long is never grouped.
    long_answer = " ".join(["We reviewed the budget line by line and found the costs acceptable."] * 14)
    text = (
        "Grad A:\n\nOK , we 're on .\n\nGrad B:\n\nWhich one is my mike ?\n\nGrad A:\n\nNumber one .\n\n"
        f"Professor C:\n\n{long_answer}\n\nGrad B:\n\nRight .\n"
    )
    transcript = parse_transcript("meeting.txt", text)
    passages = chunk_transcript(transcript, tokenizer, ChunkSettings())
    assert [(p.turn_index, p.last_turn_index) for p in passages] == [(0, 2), (3, 3), (3, 3), (4, 4)]
    assert passages[0].speakers == ["Grad A", "Grad B"] and passages[0].speaker is None
    assert text[passages[0].start : passages[0].end].startswith("OK , we 're on .")
    assert embedding_text(passages[0], transcript).startswith("Grad A: OK , we 're on .")
    assert passages[1].speaker == passages[2].speaker == "Professor C"
    apart = chunk_transcript(transcript, tokenizer, ChunkSettings(group_tokens=0))
    assert [(p.turn_index, p.last_turn_index) for p in apart] == [(0, 0), (1, 1), (2, 2), (3, 3), (3, 3), (4, 4)]


def test_every_sentence_of_every_turn_is_in_some_passage(tokenizer: TokenCounter) -> None:
    for transcript in parse_folder(SEEDS):
        covered = {
            (s.start, s.end) for p in chunk_transcript(transcript, tokenizer, ChunkSettings()) for s in p.sentences
        }
        for turn in transcript.turns:
            for span in sentence_spans(transcript.text, turn.start, turn.end, wrap_column(transcript.text)):
                assert span in covered or any(s <= span[0] and span[1] <= e for s, e in covered), span


def test_long_turns_are_split_with_overlap(tokenizer: TokenCounter) -> None:
    chunk = ChunkSettings(max_tokens=80, overlap_tokens=30)
    transcript = parse_folder(SEEDS)[1]  # Zhu Bing's long answer
    passages = [p for p in chunk_transcript(transcript, tokenizer, chunk) if p.speaker == "Zhu Bing"]
    assert len(passages) > 5
    overlapping = 0
    for before, after in zip(passages, passages[1:]):
        assert before.start < after.start and before.end < after.end
        if after.start < before.end:
            overlapping += 1
            shared = transcript.text[after.start : before.end]
            assert len(tokenizer.encode_ordinary(shared)) <= chunk.overlap_tokens
    assert overlapping > 0


def test_a_sentence_longer_than_the_budget_is_cut_at_words(tokenizer: TokenCounter) -> None:
    words = " ".join(f"word{i}" for i in range(400))
    transcript = parse_transcript("long.txt", f"Speaker One:\n\n{words}\n")
    passages = chunk_transcript(transcript, tokenizer, ChunkSettings(max_tokens=50, overlap_tokens=0))
    assert len(passages) > 3
    assert "".join(transcript.text[p.start : p.end] + " " for p in passages).split() == words.split()
    assert all(len(tokenizer.encode_ordinary(transcript.text[p.start : p.end])) <= 50 for p in passages)


def test_a_sentence_without_spaces_longer_than_the_budget_is_cut_at_clauses_then_characters(
    tokenizer: TokenCounter,
) -> None:
    # Chinese runs a whole sentence together: commas first, then characters, keep it in budget.
    clause = "我们将继续扩大高水平对外开放，稳步推进制度型开放，"
    sentence = clause * 12 + "打造市场化法治化国际化一流营商环境" * 6 + "。"
    transcript = parse_transcript("long-zh.txt", f"Speaker One:\n\n{sentence}\n")
    passages = chunk_transcript(transcript, tokenizer, ChunkSettings(max_tokens=60, overlap_tokens=0))
    assert len(passages) > 3
    assert "".join(transcript.text[p.start : p.end] for p in passages) == sentence
    assert all(len(tokenizer.encode_ordinary(transcript.text[p.start : p.end])) <= 60 for p in passages)
    # Where a comma is near, the cut falls right after it.
    assert sum(transcript.text[p.end - 1] == "，" for p in passages) >= 2


def test_question_travels_as_context_of_the_answers_not_in_their_span(tokenizer: TokenCounter) -> None:
    transcript = parse_folder(SEEDS)[1]
    # Turns apart: by default the question shares a passage with the moderator's short turn.
    passages = chunk_transcript(transcript, tokenizer, ChunkSettings(group_tokens=0))
    question = [p for p in passages if p.kind is TurnKind.QUESTION]
    answers = [p for p in passages if p.speaker == "Zhu Bing"]
    assert len(question) == 1 and question[0].context is None
    assert answers and all(p.context and p.context.startswith("The third plenary session") for p in answers)
    for passage in answers:
        assert "The third plenary session" not in transcript.text[passage.start : passage.end]
        assert embedding_text(passage, transcript).startswith(
            "SCIO briefing on promoting high-quality development: Ministry of Commerce\nQuestion: The third plenary session"
        )
    # Grouped with the moderator's turn, the question still travels with the answers.
    grouped = [p for p in chunk_transcript(transcript, tokenizer, ChunkSettings()) if p.speaker == "Zhu Bing"]
    assert [p.context for p in grouped] == [p.context for p in answers]


def test_embedded_text_fits_the_models_window(service: QAService, tokenizer: TokenCounter) -> None:
    from transformers import AutoTokenizer

    embedder = service.embedder
    window = embedder.max_seq_length  # type: ignore[attr-defined]
    # The model's own tokenizer, special tokens included: what the encoder's window counts.
    wordpieces = AutoTokenizer.from_pretrained(str(embedder.model.path))
    for folder in corpora():
        transcripts = parse_folder(folder)
        by_id = {t.doc_id: t for t in transcripts}
        passages: list[Passage] = chunk_transcripts(transcripts, tokenizer, ChunkSettings())
        longest = max(len(wordpieces(embedding_text(p, by_id[p.doc_id]))["input_ids"]) for p in passages)
        # Inside the window, every sentence's vector comes from the passage pass (no fallback).
        assert longest <= window, (folder, longest)


def test_sentence_spans_point_at_the_sentences_inside_the_embedding_text(tokenizer: TokenCounter) -> None:
    for folder in corpora():
        transcripts = parse_folder(folder)
        by_id = {t.doc_id: t for t in transcripts}
        for passage in chunk_transcripts(transcripts, tokenizer, ChunkSettings()):
            source = by_id[passage.doc_id].text
            text = embedding_text(passage, by_id[passage.doc_id])
            spans = sentence_spans_in(text, passage)
            assert [text[start:end] for start, end in spans] == [source[s.start : s.end] for s in passage.sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Zhu spoke. Then Dr. Li replied.", ["Mr. Zhu spoke.", "Then Dr. Li replied."]),
        ("It grew 3.5 percent in the U.S. economy. Next year too!", ["It grew 3.5 percent in the U.S. economy.", "Next year too!"]),
        ("Right . OK , we 're on .", ["Right .", "OK , we 're on ."]),
        ("“We will open wider.” That is our position.", ["“We will open wider.”", "That is our position."]),
        ("First line\n\nsecond paragraph.", ["First line", "second paragraph."]),
        ("हमने काम किया। अब आगे बढ़ेंगे॥ ठीक है", ["हमने काम किया।", "अब आगे बढ़ेंगे॥", "ठीक है"]),
        ("هل هذا صحيح؟ نعم، صحيح.", ["هل هذا صحيح؟", "نعم، صحيح."]),
        ("ہم نے کام کیا۔ اب آگے", ["ہم نے کام کیا۔", "اب آگے"]),
        ("Il a dit « Nous ouvrirons. » Puis il est parti.", ["Il a dit « Nous ouvrirons. »", "Puis il est parti."]),
        ("他说：「我们会开放。」然后离开了。", ["他说：「我们会开放。」", "然后离开了。"]),
    ],
)
def test_sentence_spans(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == expected
