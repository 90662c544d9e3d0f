"""ELAN annotation documents (`.eaf`, or `.xml` whose root is `<ANNOTATION_DOCUMENT>`): the
transcripts of oral history projects, language documentation and sign and speech corpora.

The document's `<TIME_ORDER>` lists time slots (milliseconds); each tier is a list of
annotations. An independent tier's `<ALIGNABLE_ANNOTATION>` spans two slots and is a timed
piece; its speaker is the tier's `PARTICIPANT`, else the tier's id (a tier is usually one
speaker). Tiers that refer to another (`PARENT_REF`: translations, glosses, tokens) repeat or
annotate those words and are left out. Pieces of all tiers are put in the order they were said;
each points at its `<ANNOTATION_VALUE>`'s characters in the file. An http(s) media file named
in the header is the media URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.errors import CorpusError
from rag.ingest.html import PositionedParser
from rag.ingest.names import NO_SPEAKER, TIER_LEVELS
from rag.ingest.timed import Metadata, Piece, build_transcript, in_time_order
from rag.types import Transcript

ROOT = "annotation_document"


@dataclass
class _Annotation:
    first_slot: str
    last_slot: str
    start: int = -1
    end: int = -1
    parts: list[str] = field(default_factory=list)


@dataclass
class _Tier:
    speaker: str | None
    dependent: bool
    annotations: list[_Annotation] = field(default_factory=list)


class ElanReader:
    """ELAN annotation documents (`.eaf`)."""

    name = "elan"
    media_types = {".eaf": ("application/xml", "text/xml", "application/x-elan+xml")}
    # And `.xml` whose root is `<ANNOTATION_DOCUMENT>`: `rag.ingest.readers.XmlReader` hands it over.
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the independent tiers' annotations, in time order; CorpusError when
        the file is no ELAN document or holds no words."""
        document = _Document(text)
        document.feed(text)
        document.close()
        if not document.saw_root:
            raise CorpusError(f"{doc_id}: not an ELAN document: no <ANNOTATION_DOCUMENT> element")
        scale = 1.0 if document.seconds else 0.001
        tiers = []
        for tier in document.tiers:
            if not tier.dependent:
                made = (_piece(annotation, document.slots, scale, tier.speaker) for annotation in tier.annotations)
                tiers.append([piece for piece in made if piece is not None])
        own = Metadata(media_url=document.media_url)
        return build_transcript(doc_id, self.name, in_time_order(tiers), own.overridden_by(metadata))


def _piece(annotation: _Annotation, slots: dict[str, str], scale: float, speaker: str | None) -> Piece | None:
    """An annotation's words, timed by its slots (no end where either is unaligned); None when empty."""
    words = " ".join("".join(annotation.parts).split())
    if not words or annotation.end < 0:
        return None
    start_time, end_time = _time(slots.get(annotation.first_slot), scale), _time(slots.get(annotation.last_slot), scale)
    end_time = end_time if start_time is not None else None
    return Piece(words, f"char={annotation.start},{annotation.end}", start_time, end_time, speaker)


def _time(value: str | None, scale: float) -> float | None:
    """A time slot's value in seconds (`None` for a slot ELAN left unaligned)."""
    try:
        return round(float(value) * scale, 3) if value else None
    except ValueError:
        return None


class _Document(PositionedParser):
    """Walks the file once: time slots, tiers and their annotations' characters."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.saw_root = False
        self.seconds = False
        self.media_url: str | None = None
        self.slots: dict[str, str] = {}
        self.tiers: list[_Tier] = []
        self._annotation: _Annotation | None = None
        self._in_value = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Slots, tiers and annotations open; a value's characters start after its tag."""
        values = {name: value or "" for name, value in attrs}
        if tag == ROOT:
            self.saw_root = True
        elif tag == "header":
            self.seconds = values.get("time_units", "milliseconds").strip().lower() == "seconds"
        elif tag == "media_descriptor":
            url = values.get("media_url", "").strip()
            if url.startswith(("http://", "https://")) and self.media_url is None:
                self.media_url = url
        elif tag == "time_slot":
            self.slots[values.get("time_slot_id", "")] = values.get("time_value", "")
        elif tag == "tier":
            self.tiers.append(_Tier(_speaker(values), dependent=bool(values.get("parent_ref", "").strip())))
        elif tag == "alignable_annotation" and self.tiers:
            self._annotation = _Annotation(values.get("time_slot_ref1", ""), values.get("time_slot_ref2", ""))
            self.tiers[-1].annotations.append(self._annotation)
        elif tag == "annotation_value" and self._annotation is not None:
            self._in_value = True
            self._annotation.start = self.position() + len(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Slots and media descriptors are empty elements."""
        self.handle_starttag(tag, attrs)
        if tag == "annotation_value" and self._annotation is not None:
            self._in_value = False
            self._annotation.end = self._annotation.start

    def handle_endtag(self, tag: str) -> None:
        """A value's characters end where its end tag starts."""
        if tag == "annotation_value" and self._annotation is not None and self._in_value:
            self._annotation.end = self.position()
            self._in_value = False
        elif tag == "alignable_annotation":
            self._annotation = None

    def handle_data(self, data: str) -> None:
        """An annotation's words."""
        if self._in_value and self._annotation is not None:
            self._annotation.parts.append(data)


def _speaker(tier: dict[str, str]) -> str | None:
    """Who speaks on a tier: its participant, else its id unless that names a level of annotation
    (ELAN calls a new document's first tier `default`; `utterance`, `Transcription`)."""
    participant = " ".join(tier.get("participant", "").split())
    if participant and participant.lower() not in NO_SPEAKER:
        return participant
    tier_id = " ".join(tier.get("tier_id", "").split())
    return tier_id if tier_id and tier_id.lower() not in NO_SPEAKER | TIER_LEVELS else None
