"""TEI transcripts of speech (`.xml` whose root is `<TEI>` or `<teiCorpus>`): parliamentary
corpora (ParlaMint's debates of 29 parliaments), the TEI encoding of transcribed speech
(ISO 24624) and spoken-language corpora.

Each utterance `<u who="#id">` is one speaker's; each `<seg>` in it (or its text, where it has
no segments) is a piece, pointing at its characters in the file. What is no speech inside an
utterance (`<note>`, `<vocal>`, `<incident>`, `<kinesic>`, `<gap>`, `<desc>`) is left out and
splits the piece around it; so is what lies between utterances: a section's `<head>` would be
quoted as an answer to any question about its topic, and notes are the editors'. The speaker is the person the
`who` points at, named by a `<person>`'s `<persName>` in the file; where the file does not
name them (ParlaMint keeps its people in another file), the id, its camel case spaced
(`#MilojevićGoran` -> `Milojević Goran`). In linguistically annotated files (ParlaMint's
`.ana.xml`: a `<w>` or `<pc>` element per token), a token marked `join="right"` has no space
after it. Times come from `start` and `end` pointing at a
`<timeline>`'s `<when>`s (their `interval` after the `since` they count from, in its `unit`).
The title is the header's first `<title>` (its `main` one where typed), the date the first
`<date when>` of the header's `profileDesc` (when the speech took place).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.errors import CorpusError
from rag.ingest.html import PositionedParser
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

ROOTS = ("tei", "teicorpus")
_NOT_SPEECH = frozenset({"note", "vocal", "incident", "kinesic", "gap", "desc", "pause", "shift", "anchor"})
# Where a lower-case letter meets a capital: `AnnaPike`, `MilojevićGoran`.
_CASE_CHANGE = re.compile(r"(?<=[^\W\d_])(?=[^\W\d_])")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass
class _Run:
    """Words of one speaker between two things that are no speech: a piece to be."""

    speaker: str | None
    start_ref: str
    end_ref: str
    start: int
    parts: list[str] = field(default_factory=list)
    end: int = -1


@dataclass
class _When:
    interval: float | None
    since: str | None


class TeiReader:
    """TEI transcripts of speech (utterances `<u>`)."""

    name = "tei"
    # None of its own: `rag.ingest.readers.XmlReader` hands this reader a `.xml` file whose root is `<TEI>`.
    media_types: dict[str, tuple[str, ...]] = {}
    suffixes: tuple[str, ...] = ()

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the utterances; CorpusError when there are none."""
        document = _Document(text)
        document.feed(text)
        document.close()
        if not document.runs:
            raise CorpusError(f"{doc_id}: a TEI file with no utterances (<u>) to read")
        clock = _Clock(document.whens, document.unit_seconds)
        pieces = []
        for run in document.runs:
            words = " ".join("".join(run.parts).split())
            if words:
                start_time, end_time = clock.seconds(run.start_ref), clock.seconds(run.end_ref)
                times = (start_time, end_time) if start_time is not None and end_time is not None else (None, None)
                pieces.append(Piece(words, f"char={run.start},{run.end}", *times,
                                    speaker=document.name_of(run.speaker)))
        own = Metadata(title=document.title, date=document.date)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


class _Clock:
    """Seconds of a `<when>` from the timeline's origin, following `since` back to it."""

    def __init__(self, whens: dict[str, _When], unit_seconds: float) -> None:
        self._whens = whens
        self._unit = unit_seconds

    def seconds(self, ref: str) -> float | None:
        """The time `#id` points at, or None (no such `<when>`, or one given as a clock time only)."""
        total, seen, key = 0.0, set(), ref.lstrip("#")
        while key:
            when = self._whens.get(key)
            if when is None or key in seen:
                return None
            seen.add(key)
            if when.since is None:  # the origin
                return round(total * self._unit, 3) if when.interval in (None, 0.0) else None
            if when.interval is None:
                return None
            total += when.interval
            key = when.since.lstrip("#")
        return None


class _Document(PositionedParser):
    """Walks the file once: the header's title, date and people; the body's utterances."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.title: str | None = None
        self.date: str | None = None
        self.people: dict[str, str] = {}
        self.whens: dict[str, _When] = {}
        self.unit_seconds = 1.0
        self.runs: list[_Run] = []
        self._open: list[str] = []
        self._utterance: tuple[str | None, str, str] | None = None  # who, start, end
        self._run: _Run | None = None
        self._skipping = 0
        self._joined = False  # the last token (`<w>`, `<pc>`) said `join="right"`: no space after it
        self._title_type: str | None = None
        self._title_parts: list[str] | None = None
        self._person: str | None = None
        self._name_parts: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Header fields, people, timeline, and the body's utterances and their segments."""
        values = {name: value or "" for name, value in attrs}
        self._open.append(tag)
        if self._skipping or tag in _NOT_SPEECH and self._utterance is not None:
            self._close_run()
            self._skipping += 1
        elif tag == "title" and "titlestmt" in self._open and self._title_parts is None:
            if self.title is None or values.get("type") == "main" and self._title_type != "main":
                self._title_parts, self._title_type = [], values.get("type")
        elif tag == "date" and "profiledesc" in self._open and self.date is None:
            when = values.get("when", "")
            self.date = when[:10] if _ISO_DATE.match(when) else None
        elif tag == "person":
            self._person = values.get("xml:id")
        elif tag == "persname" and self._person and self._person not in self.people:
            self._name_parts = []
        elif tag == "timeline":
            self.unit_seconds = {"ms": 0.001, "s": 1.0, "m": 60.0}.get(values.get("unit", "s"), 1.0)
        elif tag == "when":
            self._record_when(values)
        elif tag == "u":
            who = values.get("who", "").split()
            self._utterance = (who[0].lstrip("#") if who else None, values.get("start", ""), values.get("end", ""))
        elif tag == "seg" and self._utterance is not None:
            self._close_run()
            self._open_run(after_tag=True)
        elif tag in ("w", "pc") and self._run is not None:
            self._joined = values.get("join") == "right"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """An empty element inside an utterance (`<pause/>`, `<anchor/>`) breaks its words."""
        if tag == "when":
            self._record_when({name: value or "" for name, value in attrs})
        elif tag in _NOT_SPEECH and self._utterance is not None and not self._skipping:
            self._close_run()

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened; a run's characters end where the tag closing it starts."""
        if tag in self._open:
            while self._open and self._open.pop() != tag:
                pass
        if self._skipping:
            self._skipping -= 1
            return
        if tag in ("seg", "u"):
            self._close_run()
            if tag == "u":
                self._utterance = None
        elif tag == "title" and self._title_parts is not None:
            self.title = " ".join("".join(self._title_parts).split()) or self.title
            self._title_parts = None
        elif tag == "persname" and self._name_parts is not None and self._person:
            name = " ".join(" ".join(self._name_parts).split())
            if name:
                self.people[self._person] = name
            self._name_parts = None
        elif tag == "person":
            self._person = None

    def handle_data(self, data: str) -> None:
        """Words of an utterance, a title, a person's name."""
        if self._skipping:
            return
        if self._title_parts is not None:
            self._title_parts.append(data)
        elif self._name_parts is not None:
            self._name_parts.append(data)
        elif self._run is not None:
            inside_token = bool(self._open) and self._open[-1] in ("w", "pc")
            if not (self._joined and data.isspace() and not inside_token):
                self._run.parts.append(data)
        elif self._utterance is not None and data.strip():
            self._open_run(after_tag=False)
            self._run.parts.append(data)

    def name_of(self, who: str | None) -> str | None:
        """The name of the person an utterance's `who` points at (see the module's docstring)."""
        if who is None or who.lower() in NO_SPEAKER:
            return None
        if who in self.people:
            return self.people[who]
        return _spaced(who)

    def _record_when(self, values: dict[str, str]) -> None:
        self.whens[values.get("xml:id", "")] = _When(_number(values.get("interval")), values.get("since") or None)

    def _open_run(self, *, after_tag: bool) -> None:
        who, start_ref, end_ref = self._utterance or (None, "", "")
        start = self.position() + (len(self.get_starttag_text() or "") if after_tag else 0)
        self._run = _Run(who, start_ref, end_ref, start)

    def _close_run(self) -> None:
        if self._run is not None:
            self._run.end = self.position()
            if "".join(self._run.parts).strip():
                self.runs.append(self._run)
            self._run = None


def _spaced(who: str) -> str:
    """An id of letters in camel case with a space where a capital follows a lower-case letter
    (`MilojevićGoran` -> `Milojević Goran`); any other id as it is."""
    if not all(c.isalpha() or c in "-'" for c in who):
        return who
    cuts = [m.start() for m in _CASE_CHANGE.finditer(who) if who[m.start() - 1].islower() and who[m.start()].isupper()]
    return " ".join(who[a:b] for a, b in zip([0, *cuts], [*cuts, len(who)], strict=True)) if cuts else who


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
