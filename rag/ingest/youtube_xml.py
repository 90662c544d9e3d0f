"""YouTube's timedtext XML captions (`.xml` whose root is `<timedtext>` or `<transcript>`), as
YouTube's timedtext endpoint serves them and yt-dlp, pytube and youtube-transcript-api save them.

* srv3 (`<timedtext format="3">`): each `<p t="1200" d="2500">` (milliseconds) is a timed piece;
  automatic captions give its words as `<s t="0" ac="252">word</s>` segments, joined as written
  (each but the first carries its leading space); a `<p>` holding only a line break (`a="1"`, the
  rolling window's new line) has no words; `<br/>` breaks a line; the head's pens, window styles
  and positions and the body's `<w>` windows are left out.
* srv2 (`<timedtext>`): each `<text t="1200" d="2500">` (milliseconds) is a timed piece.
* srv1, the "classic" transcript (`<transcript>`): each `<text start="1.2" dur="2.5">` (seconds)
  is a timed piece. Its text is HTML inside the XML: an apostrophe is `&amp;#39;` in the file,
  `<font color>` and `<i>` come escaped; entities are decoded through every layer (only complete
  references, `&#39;`, `&#x27;`, `&quot;`, so that `AT&T` stays), tags are left out.

A newline inside a piece's text breaks its line, and each line may carry its own speaker mark
(`>> NAME:`, `[Name]`, `NAME:`) as other captions' lines do (`rag.ingest.captions`); a piece that
repeats the one before it word for word, at once after it (three words or more: captions that
animate a line show it twice), is said once, as `cue_pieces` says word-highlight repeats once. A piece without a start is untimed; one without a duration lasts no time.
The files name no title. Each piece points at its element's characters in the file, between its
tags (`char=a,b`). A file that is not well-formed XML, or a time that is no number, is refused
with a CorpusError naming the line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from rag.errors import CorpusError
from rag.ingest.captions import CHARACTER_REFERENCE, Line, SpeakerTrack, cue_pieces
from rag.ingest.html import PositionedParser
from rag.ingest.well_formed import check_well_formed
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

ROOTS = ("timedtext", "transcript")
"""The root elements this reader takes (lower case, as `rag.ingest.readers.XmlReader` compares them)."""

# The timed elements: srv3's `<p>`, srv1's and srv2's `<text>`.
_PIECES = ("p", "text")
# Only a complete character reference has a further layer of escaping undone.
_ESCAPED_AGAIN = re.compile(rf"&amp;(?={CHARACTER_REFERENCE[1:]})")
_ANY_REFERENCE = re.compile(CHARACTER_REFERENCE)
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
# Nobody escapes a caption ten times; the bound keeps a crafted file from looping long.
_MAX_LAYERS = 10


class YouTubeXmlReader:
    """YouTube timedtext XML captions: srv1 `<transcript>`, srv2 and srv3 `<timedtext>`."""

    name = "timedtext"
    # yt-dlp saves these captions as `NAME.en.srv3`; a `.xml` whose root is `<timedtext>` or
    # `<transcript>` comes here through `rag.ingest.readers.XmlReader`.
    media_types = {suffix: ("application/xml", "text/xml") for suffix in (".srv1", ".srv2", ".srv3")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the timed pieces; CorpusError when the file is not well-formed XML,
        not YouTube's timedtext, has a time that is no number, or holds no words."""
        check_well_formed(doc_id, text, "YouTube timedtext")
        document = _Document(doc_id, text)
        document.feed(text)
        document.close()
        if document.root is None:
            raise CorpusError(f"{doc_id}: not YouTube timedtext captions: no <timedtext> or <transcript> element")
        markups = [piece.markup(html_layer=document.root == "transcript") for piece in document.pieces]
        track = SpeakerTrack.of(markups)
        pieces: list[Piece] = []
        for number, (piece, markup) in enumerate(zip(document.pieces, markups, strict=True), 1):
            cue = Line(number, piece.start, piece.end, markup)
            pieces.extend(cue_pieces([cue], (piece.begin, piece.end_time), track, rolling=False))
        return build_transcript(doc_id, self.name, pieces, metadata)


@dataclass
class _Piece:
    start: int
    begin: float | None
    end_time: float | None
    tag: str
    end: int = 0
    parts: list[str] = field(default_factory=list)
    """Its text as the XML gives it (entities of the XML decoded), `\\n` for each `<br/>`."""

    def markup(self, *, html_layer: bool) -> str:
        """The text as caption markup for `rag.ingest.captions`: its lines (at a newline or a
        `<br/>`) joined by `<br/>`. srv1's text is HTML already (`html_layer`): only the layers of
        escaping beyond one are undone; other text is decoded and escaped again."""
        text = "".join(self.parts)
        for _ in range(_MAX_LAYERS):
            if html_layer:
                unescaped = _ESCAPED_AGAIN.sub("&", text)
            else:
                unescaped = _ANY_REFERENCE.sub(lambda match: html.unescape(match[0]), text)
            if unescaped == text:
                break
            text = unescaped
        if not html_layer:
            text = html.escape(text, quote=False)
        return "<br/>".join(line.strip() for line in text.split("\n") if line.strip())


class _Document(PositionedParser):
    """Walks the file once: the root, then each timed element's times and characters."""

    def __init__(self, doc_id: str, text: str) -> None:
        super().__init__(text)
        self._doc_id = doc_id
        self.root: str | None = None
        self.pieces: list[_Piece] = []
        self._piece: _Piece | None = None
        self._first = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """The root; a timed element opens a piece; `<br>` inside one breaks its line."""
        if self._first:
            self._first = False
            self.root = tag if tag in ROOTS else None
        if self.root is None:
            return
        if tag == "br":
            self._break()
        elif tag in _PIECES and self._piece is None:
            values = {name: value or "" for name, value in attrs}
            # srv2 and srv3 count milliseconds (`t`, `d`); srv1 seconds (`start`, `dur`).
            begin = self._time(values["t"], 0.001) if "t" in values else self._time(values.get("start"), 1.0)
            duration = self._time(values["d"], 0.001) if "d" in values else self._time(values.get("dur"), 1.0)
            end_time = None if begin is None else round(begin + (duration or 0.0), 3)
            offset = self.position() + len(self.get_starttag_text() or "")
            self._piece = _Piece(offset, begin, end_time, tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<br/>` breaks a line; `<w/>` (a window), `<s/>` and `<p/>` hold no words."""
        if self._first:
            self.handle_starttag(tag, attrs)
            return
        if tag == "br":
            self._break()

    def handle_endtag(self, tag: str) -> None:
        """A piece's characters end where its end tag starts."""
        if self._piece is not None and tag == self._piece.tag:
            self._piece.end = self.position()
            if "".join(self._piece.parts).strip():
                self.pieces.append(self._piece)
            self._piece = None

    def handle_data(self, data: str) -> None:
        """Words of a piece, those of its `<s>` segments too. Whitespace alone between two
        elements (a file written with its segments indented) is a space, not a line break."""
        if self._piece is not None:
            self._piece.parts.append(data if data.strip() else " ")

    def _break(self) -> None:
        if self._piece is not None:
            self._piece.parts.append("\n")

    def _time(self, value: str | None, unit: float) -> float | None:
        """Seconds of a time in `unit` seconds; None when absent; CorpusError names one that is no number."""
        if value is None or not value.strip():
            return None
        if not _NUMBER.fullmatch(value.strip()):
            line, _ = self.getpos()
            expected = "milliseconds, as 1200" if unit < 1 else "seconds, as 1.2"
            raise CorpusError(f"{self._doc_id}: line {line}: {value!r} is not a time in {expected}")
        return round(float(value) * unit, 3)
