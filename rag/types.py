"""Value types shared by every step of the data flow (msgspec Structs: typed, fast to (de)serialise)."""

from __future__ import annotations

import bisect
import enum

import msgspec


class TurnKind(str, enum.Enum):
    """What a stretch of transcript is."""

    SPEECH = "speech"
    """A named speaker talking (label, inline quote or reported speech)."""
    QUESTION = "question"
    """A journalist or outlet asking."""
    NARRATION = "narration"
    """Text with no direct speaker (a reporter's narration, an introduction)."""
    HEADER = "header"
    """The page's own description of the event: headline, speakers list, date."""


class Speaker(msgspec.Struct, frozen=True):
    """A person (or outlet) who speaks in a transcript, with the role the transcript gives them."""

    name: str
    role: str | None = None


class Turn(msgspec.Struct, frozen=True):
    """One speaker turn; `[start, end)` spans only the spoken text, never the label."""

    index: int
    kind: TurnKind
    speaker: str | None
    role: str | None
    start: int
    end: int


class Transcript(msgspec.Struct, frozen=True):
    """A parsed document: its exact source text and the turns found in it."""

    doc_id: str
    text: str
    title: str | None
    date: str | None
    """ISO `YYYY-MM-DD`, only when the source gives a full date (no guessed year)."""
    date_text: str | None
    """The date as written in the source, also when it has no year."""
    speakers: list[Speaker]
    turns: list[Turn]

    def turn_at(self, offset: int) -> Turn | None:
        """The turn whose span contains `offset` (turns are in source order and do not overlap)."""
        position = bisect.bisect_right(self.turns, offset, key=lambda turn: turn.start) - 1
        if position >= 0 and self.turns[position].start <= offset < self.turns[position].end:
            return self.turns[position]
        return None


class DocumentSummary(msgspec.Struct, frozen=True):
    """A document as a listing shows it: no text, no turns."""

    doc_id: str
    title: str | None
    date: str | None
    date_text: str | None
    speakers: list[Speaker]
    n_turns: int
    n_chars: int


class Sentence(msgspec.Struct, frozen=True, array_like=True):
    """A sentence span inside a passage's cited text."""

    start: int
    end: int


class Passage(msgspec.Struct, frozen=True):
    """A retrievable unit, cited by its exact span: part or all of one turn, or a run of short
    consecutive turns (a quick exchange in a meeting) that would mean little one by one."""

    id: str
    doc_id: str
    turn_index: int
    last_turn_index: int
    kind: TurnKind
    speaker: str | None
    """The one speaker of the passage; None for narration or an exchange between several."""
    role: str | None
    start: int
    end: int
    sentences: list[Sentence]
    speakers: list[str] = []
    """Everyone who speaks in the passage, in order of appearance."""
    context: str | None = None
    """The question this passage answers; embedded with it, never cited."""


class Citation(msgspec.Struct, frozen=True):
    """Where an extract comes from: `source(doc_id)[start:end] == extract.text`, always."""

    doc_id: str
    title: str | None
    date: str | None
    speaker: str | None
    role: str | None
    start: int
    end: int
    passage_id: str
    score: float


class Extract(msgspec.Struct, frozen=True):
    """A verbatim piece of a transcript that answers the question."""

    text: str
    citation: Citation


class Hit(msgspec.Struct, frozen=True):
    """A retrieved passage, in rank order."""

    passage_id: str
    doc_id: str
    title: str | None
    date: str | None
    speaker: str | None
    role: str | None
    kind: TurnKind
    start: int
    end: int
    score: float
    text: str


class Answer(msgspec.Struct, frozen=True):
    """The reply to a question: extracts (empty when abstaining) and the passages they came from."""

    question: str
    abstained: bool
    extracts: list[Extract]
    passages: list[Hit]
    confidence: float = 0.0
    """Score of the best candidate sentence; abstention compares it with the calibrated threshold."""
    abstain_reason: str | None = None
    """Why nothing was answered, when `abstained`."""


class Filters(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Restrict retrieval to some documents, speakers or a date range (ISO dates, inclusive)."""

    documents: list[str] | None = None
    speakers: list[str] | None = None
    date_from: str | None = None
    date_to: str | None = None

    def is_empty(self) -> bool:
        """True when nothing is restricted."""
        return not (self.documents or self.speakers or self.date_from or self.date_to)


class DocumentEntry(DocumentSummary, frozen=True):
    """What is kept in memory per document: its listing, and where its passages are (date
    filters and the speaker directory need no more)."""

    first_passage: int
    """Passages of a document are contiguous: positions `[first_passage, end_passage)`."""
    end_passage: int


class Where(msgspec.Struct, frozen=True):
    """Which passages a search may return, in terms any store can apply: documents by id and
    speakers by `speaker_key`. None leaves that field unrestricted; both must hold."""

    documents: frozenset[str] | None = None
    speakers: frozenset[str] | None = None
