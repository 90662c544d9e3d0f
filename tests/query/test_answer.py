"""Answer ranking and abstention over a real index (real parser, chunker, FAISS, BM25 and stores) of a
tiny corpus, embedded by a keyword encoder so that every expected score is exact."""

from __future__ import annotations


import numpy as np
import pytest

from rag.chunking import TokenCounter
from rag.index import LoadedIndex, build_index, load_index
from rag.query.answer import build_answer
from rag.query.filters import allowed_positions
from rag.query.retrieval import search
from rag.settings import AnswerSettings, ChunkSettings, Settings
from rag.types import Filters
from tests.fakes import KeywordEmbedder

BRIEFING = """Port briefing

Alice Chen:
The port handles containers. The port opened in 1990.

Bob Li:
Rice prices rose this year. Farmers planted rice early.
"""
KEYWORDS = ["port", "containers", "opened", "rice", "prices", "farmers"]
# No BM25 share, so a sentence's score is exactly 0.8 x its cosine + 0.2 x its passage's.
EXACT = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, tokenizer: TokenCounter) -> tuple[Settings, LoadedIndex]:
    root = tmp_path_factory.mktemp("tiny")
    (root / "docs").mkdir()
    (root / "docs" / "briefing.txt").write_text(BRIEFING, encoding="utf-8")
    # Each turn its own passage, so the arithmetic below follows one speaker at a time.
    settings = Settings(docs_dir=root / "docs", index_dir=root / "index", chunk=ChunkSettings(group_tokens=0))
    embedder = KeywordEmbedder(KEYWORDS)
    build_index(settings, embedder, tokenizer)
    return settings, load_index(settings.index_dir, embedder.model, settings.chunk)


def ask(tiny: tuple[Settings, LoadedIndex], question: str, answer: AnswerSettings = EXACT, filters: Filters | None = None):
    settings, index = tiny
    vector = KeywordEmbedder(KEYWORDS).vector(question)
    hits = search(index, question, vector, 5, settings.retrieval, allowed=allowed_positions(index, filters))
    return build_answer(index, question, vector, hits, min_score=answer.min_score or 0.0, settings=answer)


def cosine(a: list[float], b: list[float]) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_the_sentence_that_answers_is_quoted_with_its_exact_score(tiny: tuple[Settings, LoadedIndex]) -> None:
    answer = ask(tiny, "When was the port opened?")
    question = [1, 0, 1, 0, 0, 0]
    # The passage is embedded with its document's title: "Port briefing\nAlice Chen: The port handles
    # containers. The port opened in 1990."
    passage = [3, 1, 1, 0, 0, 0]
    sentence = [1, 0, 1, 0, 0, 0]  # "The port opened in 1990."
    expected = 0.8 * cosine(question, sentence) + 0.2 * cosine(question, passage)
    assert not answer.abstained
    assert [e.text for e in answer.extracts] == ["The port opened in 1990."]
    citation = answer.extracts[0].citation
    assert (citation.speaker, citation.doc_id) == ("Alice Chen", "briefing.txt")
    assert BRIEFING[citation.start : citation.end] == "The port opened in 1990."
    assert answer.confidence == pytest.approx(round(expected, 4))


def test_sentences_within_the_margin_join_the_answer_in_source_order(tiny: tuple[Settings, LoadedIndex]) -> None:
    # Both of Bob's sentences score the same (each holds two of the question's three keywords):
    # both are quoted, merged into one extract since only a space separates them.
    answer = ask(tiny, "What about rice prices and farmers?")
    assert [e.text for e in answer.extracts] == ["Rice prices rose this year. Farmers planted rice early."]
    assert answer.extracts[0].citation.speaker == "Bob Li"


def test_a_number_no_passage_mentions_is_a_reason_to_abstain(tiny: tuple[Settings, LoadedIndex]) -> None:
    answer = ask(tiny, "Was the port opened in 2031?")
    assert answer.abstained and not answer.extracts
    assert answer.abstain_reason == "no passage close to the question mentions 2031"
    assert not ask(tiny, "Was the port opened in 1990?").abstained


def test_low_confidence_abstains_and_says_by_how_much(tiny: tuple[Settings, LoadedIndex]) -> None:
    strict = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.99)
    answer = ask(tiny, "When was the port opened?", strict)
    assert answer.abstained
    assert answer.abstain_reason == f"no passage is close enough to the question (confidence {answer.confidence:.3f} < 0.990)"


def test_filters_that_leave_nothing_abstain_with_that_reason(tiny: tuple[Settings, LoadedIndex]) -> None:
    answer = ask(tiny, "When was the port opened?", filters=Filters(speakers=["Bob Li"], documents=["briefing.txt"]))
    assert [p.speaker for p in answer.passages] == ["Bob Li"]
    nothing = ask(tiny, "When was the port opened?", filters=Filters(date_from="2030-01-01"))
    assert nothing.abstained and nothing.abstain_reason == "no passage matches the question and filters"
