"""TTML and DFXP captions (`.ttml`, `.dfxp`): the XML timed text of broadcasters, streaming
services and video platforms.

Each `<p begin=... end=...>` is a timed piece; `<br/>` breaks a line, `<span>` styles words.
Times are clock times (`00:00:01.500`, or `00:00:01:12` in frames at `ttp:frameRate`) or
offsets (`1.5s`, `1500ms`, `2m`, `0.5h`, `36f`, `15000t` in ticks at `ttp:tickRate`), with
`dur` for a missing `end`, counted from the `begin` of the `<div>` or `<body>` around them. A
paragraph with a `begin` and no `end` or `dur` ends where TTML's implicit timing ends it: with the
`<div>` or `<body>` around it where that has an end, else at the next paragraph's begin, else at
its own begin; one that ends before it begins lasts no time.
The speaker is the `ttm:agent` of the paragraph or an element around it, named in the head
(`<ttm:agent xml:id="a1"><ttm:name>Alice Wong</ttm:name>`), else a `NAME:` or `[Name]` mark in
the text as in other captions; `<ttm:title>` is the title. Each piece points at its paragraph's
characters in the file.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from rag.errors import CorpusError
from rag.ingest.captions import Line, SpeakerTrack, cue_pieces
from rag.ingest.html import PositionedParser
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

# Strict TTML is `hh:mm:ss(.fff)` or `hh:mm:ss:ff`; real files also write `m:ss.fff` (Apple Music),
# a comma before the milliseconds, and bare seconds (`19.764`).
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:[.,]\d+)?)(?::(\d+(?:\.\d+)?))?")
_BARE_SECONDS = re.compile(r"\d+(?:\.\d+)?")
_OFFSET = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|f|t)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_TIMED = ("body", "div", "p", "span")


class TtmlReader:
    """Timed Text Markup Language files (`.ttml`, `.dfxp`)."""

    name = "ttml"
    media_types = {
        ".ttml": ("application/ttml+xml", "application/xml", "text/xml"),
        ".dfxp": ("application/ttaf+xml", "application/ttml+xml", "application/xml", "text/xml"),
    }
    # Netflix, Amazon and YouTube deliver TTML as `.xml` too: `rag.ingest.readers.XmlReader` hands
    # this reader a `.xml` file whose root is `<tt>`.
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the timed paragraphs; CorpusError when the file holds none."""
        document = _Document(doc_id, text)
        document.feed(text)
        document.close()
        if not document.saw_root:
            raise CorpusError(f"{doc_id}: not TTML: no <tt> element")
        _close_open_ends(document.paragraphs)
        track = SpeakerTrack.of(paragraph.text for paragraph in document.paragraphs)
        pieces: list[Piece] = []
        for number, paragraph in enumerate(document.paragraphs, 1):
            speaker = document.agents.get(paragraph.agent or "", paragraph.agent) if paragraph.agent else None
            # Read as a cue of other captions is: each line's own mark (`[Adam 1] ...<br/>[Adam 2] ...`).
            cue = Line(number, paragraph.start, paragraph.end, paragraph.text)
            pieces.extend(cue_pieces([cue], (paragraph.begin, paragraph.end_time), track, rolling=False, speaker=speaker))
        own = Metadata(title=document.title)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _close_open_ends(paragraphs: list[_Paragraph]) -> None:
    """Give each paragraph with a begin and no end TTML's implicit end: its parent's end, else the
    next paragraph's begin, else its own begin (a timed piece has both times, or neither)."""
    following: float | None = None
    for paragraph in reversed(paragraphs):
        if paragraph.begin is not None and paragraph.end_time is None:
            implied = (paragraph.parent_end, following, paragraph.begin)
            paragraph.end_time = next(time for time in implied if time is not None)
        if paragraph.begin is not None:
            paragraph.end_time = max(paragraph.begin, paragraph.end_time or paragraph.begin)
            following = paragraph.begin


@dataclass
class _Paragraph:
    start: int
    begin: float | None
    end_time: float | None
    agent: str | None
    parent_end: float | None = None
    """The end of the `<div>` or `<body>` around it, where one of them has an end."""
    end: int = 0
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The words as caption markup: entities escaped, `<br/>` between lines."""
        return "".join(self.parts)


@dataclass
class _Element:
    tag: str
    begin: float
    agent: str | None
    end: float | None = None


class _Document(PositionedParser):
    """Walks the file once: agents and title from the head, timed paragraphs from the body."""

    def __init__(self, doc_id: str, text: str) -> None:
        super().__init__(text)
        self._doc_id = doc_id
        self.saw_root = False
        self.frame_rate = 30.0
        self.tick_rate = 1.0
        self.title: str | None = None
        self.agents: dict[str, str] = {}
        self.paragraphs: list[_Paragraph] = []
        self._open: list[_Element] = []
        self._paragraph: _Paragraph | None = None
        self._agent_id: str | None = None
        self._in: str | None = None  # "title" or "name" while reading metadata text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track timing and agents through the nesting; open a paragraph at `<p>`."""
        values = {name: value or "" for name, value in attrs}
        local = tag.rsplit(":", 1)[-1]
        if local == "tt":
            self.saw_root = True
            # NTSC's 29.97 is written as 30 with the multiplier "1000 1001".
            rate = _positive(values.get("ttp:framerate"), 30.0)
            self.frame_rate = rate * _multiplier(values.get("ttp:frameratemultiplier"))
            # TTML's default tick rate is the frame rate where one is given, else one a second.
            self.tick_rate = _positive(values.get("ttp:tickrate"), self.frame_rate if values.get("ttp:framerate") else 1.0)
        elif tag == "ttm:agent":
            self._agent_id = values.get("xml:id")
        elif tag in ("ttm:name", "ttm:title"):
            self._in = tag
        elif local == "br" and self._paragraph is not None:
            self._paragraph.parts.append("<br/>")
        if local not in _TIMED:
            return
        parent = self._open[-1] if self._open else _Element("", 0.0, None)
        begin = self._time(values.get("begin"))
        start = parent.begin + (begin or 0.0)
        end = self._time(values.get("end"))
        duration = self._time(values.get("dur"))
        end_time = parent.begin + end if end is not None else (start + duration if duration is not None else None)
        agent = values.get("ttm:agent", "").split()[0] if values.get("ttm:agent", "").split() else parent.agent
        self._open.append(_Element(local, start, agent, end_time if end_time is not None else parent.end))
        if local == "p" and self._paragraph is None:
            offset = self.position() + len(self.get_starttag_text() or "")
            # With an end and no begin, it begins with its parent (TTML's implicit begin).
            timed = begin is not None or end_time is not None
            self._paragraph = _Paragraph(offset, start if timed else None, end_time if timed else None, agent,
                                         parent.end)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<br/>` breaks a line; an empty element opens and closes nothing else."""
        if tag.rsplit(":", 1)[-1] == "br" and self._paragraph is not None:
            self._paragraph.parts.append("<br/>")

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened; a paragraph's characters end where its end tag starts."""
        local = tag.rsplit(":", 1)[-1]
        if tag in ("ttm:name", "ttm:title"):
            self._in = None
        elif tag == "ttm:agent":
            self._agent_id = None
        if local not in _TIMED or not self._open:
            return
        self._open.pop()
        if local == "p" and self._paragraph is not None:
            self._paragraph.end = self.position()
            if self._paragraph.text.strip():
                self.paragraphs.append(self._paragraph)
            self._paragraph = None

    def handle_data(self, data: str) -> None:
        """Words of a paragraph, or the title and agents' names in the head."""
        if self._paragraph is not None:
            # Escaped again: the caption reader takes markup off a cue's text and decodes entities.
            self._paragraph.parts.append(html.escape(data, quote=False))
        elif self._in == "ttm:title" and data.strip():
            self.title = self.title or " ".join(data.split())
        elif self._in == "ttm:name" and self._agent_id and data.strip():
            self.agents.setdefault(self._agent_id, " ".join(data.split()))

    def _time(self, value: str | None) -> float | None:
        """Seconds of a TTML time expression; CorpusError names one that is none."""
        if not value:
            return None
        value = value.strip()
        if clock := _CLOCK.fullmatch(value):
            hours, minutes, seconds, frames = clock.groups()
            total = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds.replace(",", "."))
            return round(total + (float(frames) / self.frame_rate if frames else 0.0), 3)
        if offset := _OFFSET.fullmatch(value):
            amount, unit = float(offset[1]), offset[2]
            per = {"f": 1.0 / self.frame_rate, "t": 1.0 / self.tick_rate}.get(unit) or _UNIT_SECONDS[unit]
            return round(amount * per, 3)
        if _BARE_SECONDS.fullmatch(value):
            return round(float(value), 3)
        line, _ = self.getpos()
        raise CorpusError(f"{self._doc_id}: line {line}: {value!r} is not a TTML time (00:00:01.500, 1.5s, 1500ms)")


def _multiplier(value: str | None) -> float:
    """`ttp:frameRateMultiplier`, "numerator denominator"; 1 when absent or malformed."""
    parts = (value or "").split()
    try:
        numerator, denominator = (float(part) for part in parts) if len(parts) == 2 else (1.0, 1.0)
    except ValueError:
        return 1.0
    return numerator / denominator if numerator > 0 and denominator > 0 else 1.0


def _positive(value: str | None, default: float) -> float:
    try:
        number = float(value) if value else default
    except ValueError:
        return default
    return number if number > 0 else default
