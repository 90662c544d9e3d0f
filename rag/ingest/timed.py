"""Building a transcript from timed pieces (caption cues, recognised segments, utterances).

Every timed reader turns its file into `Piece`s and hands them here. Consecutive pieces of one
speaker form one turn; a turn ends where the speaker changes. The canonical text is the turns
one after another, each as `Speaker: words` (or just the words when nobody is named), separated
by a blank line; a turn's span covers its words only, and each piece keeps its own span, its
place in the file and its times as a `Segment` (docs/formats.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rag.errors import CorpusError
from rag.ingest.labels import turn_kind
from rag.types import Segment, Speaker, Transcript, Turn, TurnKind


@dataclass(frozen=True)
class Piece:
    """One timed piece of a transcript as a reader found it."""

    text: str
    """The spoken words, markup removed, whitespace collapsed."""
    source: str
    """Where it is in the file (`char=a,b` or a JSON pointer)."""
    start_time: float | None
    end_time: float | None
    speaker: str | None = None
    """As the file labels it (a name, or a diarization label such as `SPEAKER_00` or `A`)."""
    new_turn: bool = False
    """The file marks a change of speaker here without naming one (`>>` in captions)."""
    attached: bool = False
    """Punctuation a recogniser gives as an item of its own (`,` after a word): written onto the
    word before it, with no space, in the same turn."""


@dataclass(frozen=True)
class Metadata:
    """What a file (or its sidecar) says about the recording."""

    title: str | None = None
    date: str | None = None
    """ISO `YYYY-MM-DD`."""
    media_url: str | None = None
    speakers: Mapping[str, Speaker] | None = None
    """Diarization label or name in the file -> the person (name and role)."""

    def overridden_by(self, given: Metadata) -> Metadata:
        """This metadata (the file's own) with each field `given` (a sidecar) sets taken from it."""
        return Metadata(
            title=given.title or self.title, date=given.date or self.date,
            media_url=given.media_url or self.media_url, speakers={**(self.speakers or {}), **(given.speakers or {})},
        )


def in_time_order(tiers: Iterable[Iterable[Piece]]) -> list[Piece]:
    """The pieces of several tiers (ELAN's, a TextGrid's: usually a speaker's each) merged in the
    order they were said: by start time, the tier listed first first on a tie, each tier's own
    order kept; untimed pieces last."""
    keyed = [(math.inf if piece.start_time is None else piece.start_time, tier, place, piece)
             for tier, pieces in enumerate(tiers) for place, piece in enumerate(pieces)]
    return [piece for *_, piece in sorted(keyed, key=lambda key: key[:3])]


def build_transcript(doc_id: str, format_name: str, pieces: Iterable[Piece], metadata: Metadata) -> Transcript:
    """The transcript made of `pieces`, in order; CorpusError when there are no words at all."""
    names = metadata.speakers or {}
    parts: list[str] = []
    length = 0
    turns: list[Turn] = []
    segments: list[Segment] = []
    speakers: dict[str, Speaker] = {}
    current: tuple[str | None, int, int] | None = None  # speaker, first segment, text start

    def close_turn() -> None:
        if current is None:
            return
        speaker, first, start = current
        own = segments[first:]
        times = [t for s in own for t in (s.start_time, s.end_time) if t is not None]
        person = speakers.get(speaker) if speaker else None
        kind = (turn_kind(speaker) if speaker else TurnKind.NARRATION)
        turns.append(Turn(
            index=len(turns), kind=kind, speaker=speaker, role=person.role if person else None,
            start=start, end=own[-1].end, start_time=min(times) if times else None,
            end_time=max(times) if times else None,
        ))

    for piece in pieces:
        words = " ".join(piece.text.split())
        if not words:
            continue
        separator = ""
        if not (piece.attached and current is not None):
            speaker = _person(piece.speaker, names, speakers)
            if current is None or piece.new_turn or speaker != current[0]:
                close_turn()
                separator = ("\n\n" if parts else "") + (f"{speaker}: " if speaker else "")
                current = (speaker, len(segments), length + len(separator))
            else:
                separator = " "
        parts.append(separator)
        length += len(separator)
        start_time, end_time = sane_times(piece.start_time, piece.end_time)
        segments.append(Segment(length, length + len(words), piece.source, start_time, end_time))
        parts.append(words)
        length += len(words)
    close_turn()
    if not turns:
        raise CorpusError(f"{doc_id}: no spoken text found in this {format_name} file")
    return Transcript(
        doc_id=doc_id, text="".join(parts) + "\n", title=metadata.title, date=metadata.date, date_text=metadata.date,
        speakers=list(speakers.values()), turns=turns, format=format_name, media_url=metadata.media_url,
        segments=segments,
    )


def sane_times(start: float | None, end: float | None) -> tuple[float | None, float | None]:
    """A piece's times as a citation may give them, whatever a file wrote: both or neither (one
    alone is a moment: it is both), finite, none before the recording's start, the end not before
    the start. Each reader reads its format's times; this holds for all of them."""
    start = None if start is None or not math.isfinite(start) else max(0.0, start)
    end = None if end is None or not math.isfinite(end) else max(0.0, end)
    if start is None or end is None:
        start = end = start if start is not None else end
    return start, (None if end is None else max(start, end))  # type: ignore[type-var]


def _person(label: str | None, names: Mapping[str, Speaker], seen: dict[str, Speaker]) -> str | None:
    """The speaker's name for a label (mapped by the sidecar when it knows the label), recorded once."""
    if label is None or not label.strip():
        return None
    label = " ".join(label.split())
    person = names.get(label) or Speaker(label)
    seen.setdefault(person.name, person)
    return person.name
