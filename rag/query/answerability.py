"""Whether the best sentences answer the question: signals any corpus gives, and a small model over them.

A sentence close to the question need not answer it. "What will Xiamen's new airport be
called?" is near every sentence about the airport; what gives it away is what the question
asks for and the transcripts lack: a name for the airport, a number for "how many", a year
for "when", a rare word of the question that no passage near it contains. The signals below
measure that in the corpus's own terms (word rarity from its BM25 statistics, similarities
of its own model), so they mean the same on any corpus. A logistic model, trained on public
data only (eval/abstention/), turns them into the probability that the answer is right;
`model.json` holds its few numbers (no pickle).
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from importlib import resources

import msgspec
import numpy as np

from rag.query.protocols import LexicalScorer, ReadIndex

FEATURES = (
    "sentence_score", "sentence_similarity", "passage_similarity", "margin", "coverage_sentence",
    "coverage_passage", "coverage_top", "missing_rare", "type_missing_sentence", "type_missing_passage",
    "numbers_missing", "names_missing", "asks_type",
)
"""Every signal, in order (eval/abstention/README.md describes each); a model reads some of them."""

_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion "
    "trillion dozen dozens hundreds thousands millions billions half quarter third percent"
).split()
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec spring summer autumn fall winter century decade"
).split()
# One alternation each, compiled once: `has_type` runs on every candidate sentence of a question.
_NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(_NUMBER_WORDS)})\b")
_MONTH_WORD = re.compile(rf"\b(?:{'|'.join(_MONTHS)})\b")
_QUANTITY = re.compile(
    r"\bhow (many|much|long|old|far|large|big|high|tall|often|fast|deep|wide|heavy)\b|"
    r"\bwhat (percentage|percent|proportion|share|number|amount|size|rate|price|cost)\b", re.IGNORECASE)
_TIME = re.compile(
    r"^\s*when\b|\bwhen (did|was|were|is|will|does|do|has|had)\b|\b(what|which) (year|date|day|month|decade|century)\b|"
    r"\bin what (year|decade|century|month)\b", re.IGNORECASE)
_PERSON = re.compile(r"^\s*(who|whom|whose)\b|\b(by|to|from|with) whom\b", re.IGNORECASE)
_PLACE = re.compile(r"^\s*where\b|\bin (what|which) (city|country|place|state|town|region|province)\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d")
_YEARISH = re.compile(r"\b(1[0-9]|20)\d\d(s)?\b|\b\d{1,2}(st|nd|rd|th)\b")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’-]+")
_WORD = re.compile(r"[\w'’-]+")
_SPECIFIC = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")


class AnswerType:
    """What kind of answer a question asks for."""

    QUANTITY = "a number"
    TIME = "a date or time"
    PERSON = "a person or organisation"
    PLACE = "a place"


def asked_type(question: str) -> str | None:
    """The kind of answer the question's wording asks for ("how many": a number), if any."""
    for pattern, kind in ((_QUANTITY, AnswerType.QUANTITY), (_TIME, AnswerType.TIME), (_PERSON, AnswerType.PERSON),
                          (_PLACE, AnswerType.PLACE)):
        if pattern.search(question):
            return kind
    return None


def has_type(text: str, kind: str | None, question: str) -> bool:
    """Whether `text` holds something of `kind` (True when no kind is asked)."""
    if kind is None:
        return True
    lower = text.lower()
    if kind == AnswerType.QUANTITY:
        return bool(_DIGITS.search(text) or _NUMBER_WORD.search(lower))
    if kind == AnswerType.TIME:
        return bool(_YEARISH.search(text) or _MONTH_WORD.search(lower))
    asked = {w.lower() for w in _WORD.findall(question)}
    # A person or place: a capitalised word the question does not already say.
    return any(m.group().lower() not in asked for m in _CAPITALISED.finditer(text))


@dataclass(frozen=True)
class Evidence:
    """What the answer builder found: the best sentences and the passages they came from."""

    question: str
    sentences: Sequence[tuple[str, float, float]]
    """The best candidate sentences, best first: (text, combined relevance score, cosine similarity)."""
    passages: Sequence[str]
    """The passages read: the best sentence's first, then the top ones, each once, with title, date, speakers and question."""
    passage_similarity: float
    relevance: float
    """The best relevance score of any candidate sentence (the best-ranked one may score less:
    ranking also weighs the kind of answer a sentence holds)."""


@dataclass(frozen=True)
class Signals:
    """The model's inputs, and what a person is told when it abstains."""

    values: dict[str, float]
    missing_words: list[str]
    """Rare words of the question no top passage contains (as the question writes them)."""
    missing_type: str | None
    """The kind of answer asked for that the best passage lacks."""
    missing_numbers: list[str]

    def vector(self) -> np.ndarray:
        """The values in `FEATURES` order (all of them measured)."""
        return np.array([self.values[name] for name in FEATURES], dtype=np.float64)


def signals(evidence: Evidence, index: ReadIndex, only: Collection[str] | None = None) -> Signals:
    """Measure how well the evidence covers what the question asks: every signal, or `only` those
    (a model reading two signals need not tokenise the passages; the reasons need them all)."""
    question = evidence.question
    everything = " ".join(evidence.passages)
    missing_numbers = [n for n in _specifics(question)
                       if not re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", everything)]
    scores = [score for _, score, _ in evidence.sentences]
    values = {
        "sentence_score": evidence.relevance,
        "sentence_similarity": evidence.sentences[0][2] if evidence.sentences else 0.0,
        "passage_similarity": evidence.passage_similarity,
        "margin": scores[0] - scores[1] if len(scores) > 1 else 0.0,
        "numbers_missing": float(bool(missing_numbers)),
    }
    wanted = set(FEATURES if only is None else only)
    if wanted <= values.keys():
        return Signals(values, [], None, missing_numbers)
    scorer = index.sentence_lexical
    words = sorted(set(scorer.words(question)))
    rarity = {w: _idf(scorer.document_frequency(w), scorer.num_docs) for w in words}
    top_sentence = evidence.sentences[0][0] if evidence.sentences else ""
    first_passage = evidence.passages[0] if evidence.passages else ""
    in_top = set(scorer.words(everything))
    ceiling = _idf(0, scorer.num_docs)
    missing = [w for w in words if w not in in_top]
    kind = asked_type(question)
    names = _names(question)
    names_missing = [n for n in names if n.lower() not in everything.lower()]
    values.update({
        "coverage_sentence": _coverage(rarity, set(scorer.words(top_sentence))),
        "coverage_passage": _coverage(rarity, set(scorer.words(first_passage))),
        "coverage_top": _coverage(rarity, in_top),
        "missing_rare": max((rarity[w] for w in missing), default=0.0) / ceiling if ceiling else 0.0,
        "type_missing_sentence": float(not has_type(top_sentence, kind, question)),
        "type_missing_passage": float(not has_type(first_passage, kind, question)),
        "names_missing": len(names_missing) / len(names) if names else 0.0,
        "asks_type": float(kind is not None),
    })
    shown = _as_written(question, [w for w in missing if rarity[w] >= 0.5 * ceiling], scorer)
    missing_type = kind if values["type_missing_passage"] and values["type_missing_sentence"] else None
    return Signals(values, shown, missing_type, missing_numbers)


class AnswerabilityModel(msgspec.Struct, frozen=True):
    """Logistic regression over some of the `FEATURES` (standardised), with the threshold chosen in training."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float
    """Abstain below this probability (eval/abstention/REPORT.md: how it was chosen)."""
    trained_on: str

    def probability(self, found: Signals) -> float:
        """The probability that the best sentences answer the question."""
        values = np.array([found.values[name] for name in self.features], dtype=np.float64)
        x = (values - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(x @ np.asarray(self.weights) + self.bias)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def load_model() -> AnswerabilityModel:
    """The model shipped with the package (`rag/query/answerability.json`)."""
    data = resources.files("rag.query").joinpath("answerability.json").read_bytes()
    model = msgspec.json.decode(data, type=AnswerabilityModel)
    unknown = set(model.features) - set(FEATURES)
    if unknown or not len(model.features) == len(model.mean) == len(model.scale) == len(model.weights):
        raise ValueError(f"answerability.json does not fit these signals ({sorted(unknown)}); retrain it "
                         "(eval/abstention/train.py)")
    return model


CONFIDENCE_SCALE = "answerability-1"
"""What `Answer.confidence` measures; a threshold fitted on another scale does not apply."""


def low_confidence_reason(confidence: float, threshold: float) -> str:
    """The reason given when the answer's confidence is below the threshold, and nothing more specific is known."""
    return f"no sentence answers the question closely enough (confidence {confidence:.2f} < {threshold:.2f})"


def reason(found: Signals, probability: float, threshold: float) -> str:
    """Why the service does not answer, in words a person understands."""
    if found.missing_numbers:
        return f"the transcripts near this question never mention {', '.join(found.missing_numbers)}"
    if found.missing_words:
        quoted = ", ".join(f"'{w}'" for w in found.missing_words[:3])
        return f"no passage close to the question mentions {quoted}"
    if found.missing_type:
        return f"the passages closest to the question give no {found.missing_type.split(' ', 1)[1]} for what it asks"
    return low_confidence_reason(probability, threshold)


def _idf(df: int, n: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _coverage(rarity: dict[str, float], present: set[str]) -> float:
    total = sum(rarity.values())
    return sum(r for w, r in rarity.items() if w in present) / total if total else 1.0


def _specifics(question: str) -> list[str]:
    """Numbers an answer would have to be about (years, figures of 10 and more)."""
    found = []
    for match in _SPECIFIC.finditer(question):
        try:
            if float(match.group().replace(",", "")) >= 10:
                found.append(match.group())
        except ValueError:
            continue
    return found


def _names(question: str) -> list[str]:
    """Capitalised words past the first: the names a question is about."""
    return [m.group() for m in _CAPITALISED.finditer(question) if m.group().lower() not in ("i",)]


def _as_written(question: str, stems: list[str], scorer: LexicalScorer) -> list[str]:
    """The question's own words for these stems, in question order."""
    wanted, shown = set(stems), []
    for word in _WORD.findall(question):
        counted = scorer.words(word)
        if counted and counted[0] in wanted and word not in shown:
            shown.append(word)
            wanted.discard(counted[0])
    return shown
