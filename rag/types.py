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
    start_time: float | None = None
    """Seconds into the recording where the turn starts (None: the source has no times)."""
    end_time: float | None = None


class Segment(msgspec.Struct, frozen=True, array_like=True):
    """A timed piece of a transcript (a caption cue, a recognised segment, an utterance): its span
    in the canonical text, where it sits in the source file, and when it was said."""

    start: int
    end: int
    source: str
    """Where in the file: `char=a,b` (RFC 5147: characters a..b of the file read as UTF-8) for
    text-based formats, a JSON pointer (RFC 6901, `/segments/3/text`) for JSON, `paragraph=N` for
    Word, `page=N` for PDF, `cell=R,C` or `row=R` (RFC 7111) for tables, `sheet=NAME&cell=R,C` for
    a workbook's later sheet (docs/formats.md)."""
    start_time: float | None
    end_time: float | None


class Transcript(msgspec.Struct, frozen=True):
    """A parsed document: its canonical text and the turns found in it.

    For plain text the canonical text is the file itself. For formats with markup (captions,
    speech-to-text JSON, HTML) it is the spoken text the reader extracted, and `segments` map
    each piece of it back to the file and to its time (docs/formats.md).
    """

    doc_id: str
    text: str
    title: str | None
    date: str | None
    """ISO `YYYY-MM-DD`, only when the source gives a full date (no guessed year)."""
    date_text: str | None
    """The date as written in the source, also when it has no year."""
    speakers: list[Speaker]
    turns: list[Turn]
    format: str = "text"
    """The reader that made it (`text`, `docx`, `webvtt`, `srt`, `sbv`, `json`, `html`, `ttml`)."""
    media_url: str | None = None
    """The recording, when the file or its sidecar names one; citations link to their moment."""
    segments: list[Segment] = []
    """Timed pieces in canonical order. Empty for plain text, whose canonical text is the file."""

    def turn_at(self, offset: int) -> Turn | None:
        """The turn whose span contains `offset` (turns are in source order and do not overlap)."""
        position = bisect.bisect_right(self.turns, offset, key=lambda turn: turn.start) - 1
        if position >= 0 and self.turns[position].start <= offset < self.turns[position].end:
            return self.turns[position]
        return None

    def segments_in(self, start: int, end: int) -> list[Segment]:
        """The segments overlapping `[start, end)`, in order (none for plain text)."""
        first = bisect.bisect_right(self.segments, start, key=lambda segment: segment.end)
        stop = bisect.bisect_left(self.segments, end, key=lambda segment: segment.start)
        return self.segments[first:stop]

    def locate(self, start: int, end: int) -> tuple[list[str], float | None, float | None]:
        """Where `[start, end)` of the canonical text is in the file, and when it was said.

        For plain text: the same characters of the file, no times.
        """
        if not self.segments:
            return [f"char={start},{end}"], None, None
        pieces = self.segments_in(start, end)
        times = [t for piece in pieces for t in (piece.start_time, piece.end_time) if t is not None]
        # Each place once: lines of one page (or cues of one paragraph) share a source.
        sources = list(dict.fromkeys(piece.source for piece in pieces))
        return sources, (min(times) if times else None), (max(times) if times else None)


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
    """Where an extract comes from: `text(doc_id)[start:end] == extract.text`, always, where the
    text is the document's canonical text (the file itself for plain text; GET /documents/{id})."""

    doc_id: str
    title: str | None
    date: str | None
    speaker: str | None
    role: str | None
    start: int
    end: int
    passage_id: str
    score: float
    start_time: float | None = None
    """Seconds into the recording where the extract starts (None: the source has no times)."""
    end_time: float | None = None
    media_link: str | None = None
    """The recording at that moment (`...#t=751.2`, a media fragment), when the document names one."""
    source: list[str] = []
    """Where the extract is in the file: `char=a,b` ranges, or JSON pointers (docs/formats.md)."""


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
    start_time: float | None = None
    end_time: float | None = None


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
