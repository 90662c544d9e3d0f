"""Web pages (`.html`, `.htm`): the main text only, as paragraphs, then read like plain text.

Navigation, headers and footers, forms, scripts and boxes whose class or id says what they are
(share, comment, menu, sidebar, related, cookie) are left out. Each remaining block (paragraph,
heading, list item, `<pre>`...) becomes a paragraph of the canonical text and a segment pointing
at its characters in the file; the plain-text parser then finds speakers and turns in it.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser

import msgspec

from rag.ingest import boilerplate
from rag.ingest.labels import turn_kind
from rag.ingest.text import parse_transcript
from rag.ingest.timed import Metadata, build_transcript
from rag.ingest.timestamped import read_stamped_text
from rag.types import Segment, Speaker, Transcript, Turn

_SKIPPED = frozenset({"script", "style", "noscript", "template", "nav", "footer", "aside", "form", "button",
                      "svg", "iframe", "select", "head", "menu", "dialog"})
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dt",
                     "dd", "section", "article", "main", "tr", "table", "ul", "ol", "header", "figcaption", "br",
                     "hr", "title", "body"})
_CLUTTER = re.compile(r"share|social|comment|menu|sidebar|related|cookie|breadcrumb|banner|advert|promo|subscribe",
                      re.IGNORECASE)
_INLINE = frozenset({"a", "span", "em", "strong", "b", "i", "u", "small", "abbr", "cite", "code", "mark", "q", "sub",
                     "sup", "time", "label", "font"})
# `class="speaker"`, `speaker-name`, `transcript__speaker`: a block naming who speaks (not "speakers").
_SPEAKER_CLASS = re.compile(r"(?<![a-z])speaker(?!s)", re.IGNORECASE)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed"})
_DATE_META = frozenset({"date", "dc.date", "article:published_time", "dcterms.date", "citation_date"})


class HtmlReader:
    """HTML pages (`.html`, `.htm`)."""

    name = "html"
    media_types = {".html": ("text/html", "application/xhtml+xml"), ".htm": ("text/html", "application/xhtml+xml")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The page's main text as a transcript; `<title>`, `<time>`, `<meta>` and media give metadata."""
        page = _Page(text)
        page.feed(text)
        page.close()
        canonical, segments = _canonical(page.blocks)
        stamped = read_stamped_text(doc_id, canonical)
        if stamped is None:
            transcript = msgspec.structs.replace(parse_transcript(doc_id, canonical), segments=segments)
            transcript = _speaker_block_turns(transcript, page.blocks, page.speaker_blocks, segments)
        else:
            # A timestamped transcript on a page (`<p>Speaker 1 (00:05): ...</p>`): timed pieces,
            # each pointing at the block of the file it was read from.
            pieces = [dataclasses.replace(piece, source=_block_source(piece.source, segments)) for piece in stamped.pieces]
            transcript = build_transcript(doc_id, self.name, pieces, stamped.metadata)
        own = Metadata(title=page.title, date=page.date, media_url=page.media_url).overridden_by(metadata)
        # "Council meeting, 4 March 2024": a page's title often carries the date its text leaves out.
        titled = boilerplate.find_full_date(page.title) if page.title else None
        date, date_text = (own.date, own.date) if own.date else (transcript.date, transcript.date_text)
        if date is None and titled is not None:
            date, date_text = titled
        return msgspec.structs.replace(
            transcript, format=self.name, title=own.title or transcript.title,
            date=date, date_text=date_text, media_url=own.media_url,
        )


def _speaker_block_turns(transcript: Transcript, blocks: list[tuple[str, int, int]], named: set[int],
                         spans: list[Segment]) -> Transcript:
    """`transcript` with a turn per block the page's markup names a speaker (`class="speaker"`),
    holding the blocks after it up to the next such block; unchanged unless two or more such
    blocks hold a short name and some name comes back. The text parser looks for names alone above
    paragraphs only where they head a good share of them; a page that says so in its markup is
    surer than that, however long each speaker's turn."""
    names = [blocks[i][0] for i in sorted(named)]
    if len(names) < 2 or len(set(names)) == len(names) or any(len(n) > 60 or len(n.split()) > 6 for n in names):
        return transcript
    heads = sorted(named)
    first = spans[heads[0]].start
    turns = [turn for turn in transcript.turns if turn.end <= first]
    speakers: dict[str, Speaker] = {}
    for head, following in zip(heads, [*heads[1:], len(blocks)]):
        if head + 1 >= following:
            continue
        name = " ".join(blocks[head][0].rstrip(":").split())
        speakers.setdefault(name, Speaker(name))
        turns.append(Turn(index=len(turns), kind=turn_kind(name), speaker=name, role=None,
                          start=spans[head + 1].start, end=spans[following - 1].end))
    return msgspec.structs.replace(transcript, turns=turns, speakers=list(speakers.values()))


def _block_source(source: str, blocks: list[Segment]) -> str:
    """The file's characters of the block holding `char=a,b` of the canonical text."""
    start = int(source.removeprefix("char=").split(",")[0])
    block = blocks[bisect.bisect_right(blocks, start, key=lambda segment: segment.start) - 1]
    return block.source


def _canonical(blocks: list[tuple[str, int, int]]) -> tuple[str, list[Segment]]:
    parts: list[str] = []
    segments: list[Segment] = []
    length = 0
    for words, start, end in blocks:
        if parts:
            parts.append("\n\n")
            length += 2
        segments.append(Segment(length, length + len(words), f"char={start},{end}", None, None))
        parts.append(words)
        length += len(words)
    return "".join(parts) + "\n", segments


class PositionedParser(HTMLParser):
    """An HTMLParser (entities decoded) that knows where in the text it is, as a character offset:
    what citations point at. HTMLParser itself gives only a line and a column (its own `offset`
    attribute is something else)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def position(self) -> int:
        """The character offset in the text of what is being handled (a tag's `<`, data's start)."""
        line, column = self.getpos()
        return self._line_starts[line - 1] + column


class _Page(PositionedParser):
    """Collects the text blocks of a page, each with the character range it came from."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.blocks: list[tuple[str, int, int]] = []
        self.speaker_blocks: set[int] = set()
        """Blocks whose element's class names them a speaker (`<p class="speaker">Tim Pritlove</p>`)."""
        self._speaker_class = False
        self.title: str | None = None
        self.date: str | None = None
        self.media_url: str | None = None
        self._skipping: list[str] = []
        self._pre = 0
        self._data: list[str] = []
        self._start: int | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note metadata; start skipping clutter; a block element ends the block before it."""
        values = {name: value or "" for name, value in attrs}
        self._metadata(tag, values)
        if tag == "title":
            self._in_title = True
        if self._skipping:
            if tag not in _VOID:
                self._skipping.append(tag)
            return
        marker = f"{values.get('class', '')} {values.get('id', '')} {values.get('role', '')}"
        # A box's class says it is clutter; an inline element's never does: `<a class="related_link">`
        # inside a sentence is words of the sentence.
        boxed = tag not in ("body", "main", "article") and tag not in _INLINE and _CLUTTER.search(marker)
        if tag != "title" and (tag in _SKIPPED or boxed):
            if tag not in _VOID:
                self._skipping.append(tag)
            return
        if tag in _BLOCKS:
            self._flush()
            # Set after the flush: the class is this block's, and holds for a block nested in it.
            self._speaker_class = self._speaker_class or bool(_SPEAKER_CLASS.search(values.get("class", "")))
        if tag == "pre":
            self._pre += 1

    def handle_endtag(self, tag: str) -> None:
        """Leave skipped clutter; a block element's end ends its block."""
        if tag == "title":
            self._in_title = False
        if self._skipping:
            if tag in self._skipping:
                while self._skipping and self._skipping.pop() != tag:
                    pass
            return
        if tag in _BLOCKS:
            self._flush()
        if tag == "pre" and self._pre:
            self._pre -= 1

    def handle_data(self, data: str) -> None:
        """Text of the page (entities decoded): the title's, or the current block's."""
        if self._in_title:
            self.title = self.title or " ".join(data.split()) or None
            return
        # A byte-order mark before <html> is no text of the page.
        if self._skipping or not data.replace("\ufeff", "").strip():
            if self._data and not self._skipping:
                self._data.append(data)
            return
        if self._start is None:
            self._start = self.position() + (len(data) - len(data.lstrip()) if not self._pre else 0)
        self._data.append(data)

    def _flush(self) -> None:
        # The block's characters run to where the tag that ends it starts (inline markup
        # included), or to the end of the page for a block left open.
        if self._start is not None:
            raw = "".join(self._data)
            text = raw.strip("\n") if self._pre else " ".join(raw.split())
            if text.strip():
                if self._speaker_class:
                    self.speaker_blocks.add(len(self.blocks))
                self._speaker_class = False
                self.blocks.append((text, self._start, self.position()))
        self._data = []
        self._start = None

    def close(self) -> None:
        """Finish the page, keeping its last block."""
        super().close()
        self._flush()

    def _metadata(self, tag: str, values: dict[str, str]) -> None:
        if tag == "meta":
            key = (values.get("name") or values.get("property") or "").lower()
            if key in _DATE_META and self.date is None:
                self.date = _iso(values.get("content"))
            if key in ("og:video", "og:audio", "og:video:url") and self.media_url is None:
                self.media_url = _web(values.get("content"))
        elif tag == "time" and self.date is None:
            self.date = _iso(values.get("datetime"))
        elif tag in ("video", "audio", "source") and self.media_url is None:
            self.media_url = _web(values.get("src"))


def _iso(value: str | None) -> str | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat() if value else None
    except ValueError:
        return None


def _web(value: str | None) -> str | None:
    return value if value and value.lower().startswith(("http://", "https://")) else None
