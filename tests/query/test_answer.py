"""Answer ranking and abstention over a real index (real parser, chunker, FAISS, BM25 and stores) of a
tiny corpus, embedded by a keyword encoder so that every expected score is exact."""

from __future__ import annotations


import numpy as np
import pytest

from rag.chunking import TokenCounter
from rag.index import LoadedIndex, build_index, load_index
from rag.query.answer import answer_signals, build_answer
from rag.query.answerability import FEATURES, AnswerabilityModel, asked_type, has_type
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
EXACT = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.5, type_bonus=0.0,
                       question_penalty=0.0)


def only(**weights: float) -> AnswerabilityModel:
    """A model reading only the named signals, unscaled, so its probability is exact arithmetic."""
    return AnswerabilityModel(
        features=list(FEATURES), mean=[0.0] * len(FEATURES), scale=[1.0] * len(FEATURES),
        weights=[weights.get(name, 0.0) for name in FEATURES], bias=weights.pop("bias", 0.0) if "bias" in weights
        else 0.0, threshold=0.5, trained_on="test",
    )


# Answers unless a number of the question is missing (p = 1/(1+e^-4) = 0.982 or 1/(1+e^4) = 0.018).
NUMBERS = only(numbers_missing=-8.0, bias=4.0)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, tokenizer: TokenCounter) -> tuple[Settings, LoadedIndex]:
    root = tmp_path_factory.mktemp("tiny")
    (root / "docs").mkdir()
    (root / "docs" / "briefing.txt").write_text(BRIEFING, encoding="utf-8")
    # Each turn its own passage, so the arithmetic below follows one speaker at a time.
    settings = Settings(docs_dir=root / "docs", index_dir=root / "index", chunk=ChunkSettings(group_tokens=0))
    embedder = KeywordEmbedder(KEYWORDS)
    build_index(settings, embedder, tokenizer)
    return settings, load_index(settings.index_dir, embedder.model, settings.chunk, precision=settings.embed.backend.precision)


def ask(tiny: tuple[Settings, LoadedIndex], question: str, answer: AnswerSettings = EXACT, filters: Filters | None = None,
        model: AnswerabilityModel = NUMBERS):
    settings, index = tiny
    vector = KeywordEmbedder(KEYWORDS).vector(question)
    hits = search(index, question, vector, 5, settings.retrieval, allowed=allowed_positions(index, filters))
    return build_answer(index, question, vector, hits, min_score=answer.min_score or 0.0, settings=answer, model=model)


def signals_of(tiny: tuple[Settings, LoadedIndex], question: str):
    settings, index = tiny
    vector = KeywordEmbedder(KEYWORDS).vector(question)
    hits = search(index, question, vector, 5, settings.retrieval)
    return answer_signals(index, question, vector, hits, EXACT)


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
    assert citation.score == pytest.approx(round(expected, 4))
    assert answer.confidence == pytest.approx(round(1 / (1 + np.exp(-4.0)), 4))


def test_a_sentence_holding_the_kind_of_answer_asked_for_gains_the_type_bonus(tiny: tuple[Settings, LoadedIndex]) -> None:
    plain = ask(tiny, "When was the port opened?").extracts[0].citation.score
    typed = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.5, type_bonus=0.05)
    assert ask(tiny, "When was the port opened?", typed).extracts[0].citation.score == pytest.approx(plain + 0.05)
    # "What happened at the port?" asks for no kind of answer: no bonus.
    assert ask(tiny, "What happened at the port opened?", typed).extracts[0].citation.score == pytest.approx(
        ask(tiny, "What happened at the port opened?").extracts[0].citation.score)


def test_sentences_within_the_margin_join_the_answer_in_source_order(tiny: tuple[Settings, LoadedIndex]) -> None:
    # Both of Bob's sentences score the same (each holds two of the question's three keywords):
    # both are quoted, merged into one extract since only a space separates them.
    answer = ask(tiny, "What about rice prices and farmers?")
    assert [e.text for e in answer.extracts] == ["Rice prices rose this year. Farmers planted rice early."]
    assert answer.extracts[0].citation.speaker == "Bob Li"


def test_the_sentence_after_the_best_joins_it_within_the_next_sentence_margin(
    tiny: tuple[Settings, LoadedIndex],
) -> None:
    # "The port handles containers." has cosine 1 with the question, the next sentence of Alice's
    # turn ("The port opened in 1990.") 0.5; both share their passage's score, so the follower
    # scores 0.8 x 0.5 = 0.4 below the best: past `margin` (0.1), within a next-sentence margin of 0.45.
    def quoted(next_sentence_margin: float, question: str = "Which containers does the port handle?") -> list[str]:
        settings = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.5,
                                  type_bonus=0.0, question_penalty=0.0, next_sentence_margin=next_sentence_margin)
        return [e.text for e in ask(tiny, question, settings).extracts]

    assert quoted(0.45) == ["The port handles containers. The port opened in 1990."]
    assert quoted(0.35) == ["The port handles containers."]
    # Only the sentence after the best one: the sentence before it is not pulled in.
    assert quoted(0.45, "When was the port opened?") == ["The port opened in 1990."]


def test_a_number_no_passage_mentions_is_a_reason_to_abstain(tiny: tuple[Settings, LoadedIndex]) -> None:
    answer = ask(tiny, "Was the port opened in 2031?")
    assert answer.abstained and not answer.extracts
    assert answer.confidence == pytest.approx(round(1 / (1 + np.exp(4.0)), 4))
    assert answer.abstain_reason == "the transcripts near this question never mention 2031"
    assert not ask(tiny, "Was the port opened in 1990?").abstained


def test_low_confidence_abstains_and_says_by_how_much(tiny: tuple[Settings, LoadedIndex]) -> None:
    strict = AnswerSettings(sentence_weight=0.8, passage_weight=0.2, lexical_weight=0.0, min_score=0.99, type_bonus=0.0)
    answer = ask(tiny, "When was the port opened?", strict)
    assert answer.abstained
    assert answer.abstain_reason == f"no sentence answers the question closely enough (confidence {answer.confidence:.2f} < 0.99)"


def test_signals_measure_what_the_question_asks_and_the_passages_lack(tiny: tuple[Settings, LoadedIndex]) -> None:
    opened = signals_of(tiny, "When was the port opened?")
    assert opened.values["asks_type"] == 1.0 and opened.values["type_missing_sentence"] == 0.0  # "in 1990"
    assert opened.values["coverage_sentence"] == pytest.approx(1.0) and opened.missing_words == []
    ships = signals_of(tiny, "How many ships does the port handle?")
    assert ships.values["asks_type"] == 1.0 and ships.values["type_missing_sentence"] == 1.0  # no number near "port"
    assert ships.missing_words == ["ships"] and ships.values["missing_rare"] == pytest.approx(1.0)
    assert 0 < ships.values["coverage_top"] < 1
    named = signals_of(tiny, "What did Alice Chen say about rice?")
    assert named.values["names_missing"] == 0.0
    stranger = signals_of(tiny, "What did Carol Wu say about rice?")
    assert stranger.values["names_missing"] == 1.0


@pytest.mark.parametrize(("question", "kind"), [
    ("How many ships docked?", "a number"), ("What percentage of trade grew?", "a number"),
    ("When did the port open?", "a date or time"), ("In what year was it built?", "a date or time"),
    ("Who designed the bridge?", "a person or organisation"), ("Where is the new airport?", "a place"),
    ("What did the minister say about rice?", None),
])
def test_the_kind_of_answer_a_question_asks_for(question: str, kind: str | None) -> None:
    assert asked_type(question) == kind


def test_whether_a_sentence_holds_that_kind_of_answer() -> None:
    assert has_type("It has four berths.", "a number", "How many berths?")
    assert has_type("Trade grew 12%.", "a number", "How much did trade grow?")
    assert not has_type("Trade grew strongly.", "a number", "How much did trade grow?")
    assert has_type("It opened in March.", "a date or time", "When did it open?")
    assert has_type("It opened in 1987.", "a date or time", "When did it open?")
    assert not has_type("It opened recently.", "a date or time", "When did it open?")
    assert has_type("It was designed by Nordvik and Partners.", "a person or organisation", "Who designed it?")
    assert not has_type("It was designed by the bridge office.", "a person or organisation", "Who designed the Bridge?")


def test_filters_that_leave_nothing_abstain_with_that_reason(tiny: tuple[Settings, LoadedIndex]) -> None:
    answer = ask(tiny, "When was the port opened?", filters=Filters(speakers=["Bob Li"], documents=["briefing.txt"]))
    assert [p.speaker for p in answer.passages] == ["Bob Li"]
    nothing = ask(tiny, "When was the port opened?", filters=Filters(date_from="2030-01-01"))
    assert nothing.abstained and nothing.abstain_reason == "no passage matches the question and filters"
