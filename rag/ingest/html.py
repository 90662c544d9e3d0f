"""Web pages (`.html`, `.htm`): the main text only, as paragraphs, then read like plain text.

Navigation, headers and footers, forms, scripts and boxes whose class or id says what they are
(share, comment, menu, sidebar, related, cookie) are left out. Each remaining block (paragraph,
heading, list item, `<pre>`...) becomes a paragraph of the canonical text, with segments pointing
at its characters in the file, from its first word to its last: a `<pre>` one per line, any block
cut in two where much markup lies between two of its words (an inline SVG icon, a menu left out).
The plain-text parser then finds speakers and turns in it. A page that is not UTF-8 is read in the
charset its `<meta>` declares (rag/ingest/charsets.py; rag/ingest/corpus.py decodes it).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser
from itertools import accumulate
from typing import NamedTuple

import msgspec

from rag.errors import CorpusError
from rag.ingest import boilerplate
from rag.ingest.labels import EDITORIAL_LABELS, QUESTION_NUMBER, turn_kind
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
_BOLD = frozenset({"b", "strong"})
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col", "embed"})
# More markup than this between two runs of a block's text (an inline SVG icon, a menu or share
# buttons left out) cuts its citation in two: a citation holds its words, not kilobytes of other things.
_FAR = 200
_NEWLINE = re.compile("\n")
_SPACES = re.compile(r"\s+")
_DATE_META = frozenset({"date", "dc.date", "article:published_time", "dcterms.date", "citation_date"})
class HtmlReader:
    """HTML pages (`.html`, `.htm`)."""

    name = "html"
    media_types = {".html": ("text/html", "application/xhtml+xml"), ".htm": ("text/html", "application/xhtml+xml")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The page's main text as a transcript; `<title>`, `<time>`, `<meta>` and media give metadata."""
        page = _Page(text)
        try:
            page.feed(text)
            page.close()
        except (AssertionError, ValueError) as exc:
            # Python's HTML parser gives up so on markup no browser would choke on (`<![>`, `&#99999999999;`).
            raise CorpusError(f"{doc_id}: line {page.getpos()[0]}: markup the HTML parser cannot read ({exc})") from None
        canonical, spans, segments = _canonical(page.blocks)
        stamped = read_stamped_text(doc_id, canonical)
        if stamped is None:
            transcript = msgspec.structs.replace(parse_transcript(doc_id, canonical, page.bold_labels),
                                                 segments=segments)
            transcript = _speaker_block_turns(transcript, page.blocks, page.speaker_blocks, spans)
        else:
            # A timestamped transcript on a page (`<p>Speaker 1 (00:05): ...</p>`): timed pieces,
            # each pointing at the characters of the file it was read from.
            pieces = [dataclasses.replace(piece, source=_file_source(piece.source, segments))
                      for piece in stamped.pieces]
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


def _speaker_block_turns(transcript: Transcript, blocks: list[_Block], named: set[int],
                         spans: list[tuple[int, int]]) -> Transcript:
    """`transcript` with a turn per block the page's markup names a speaker (`class="speaker"`),
    holding the blocks after it up to the next such block; unchanged unless two or more such
    blocks hold a short name and some name comes back. The text parser looks for names alone above
    paragraphs only where they head a good share of them; a page that says so in its markup is
    surer than that, however long each speaker's turn."""
    names = [blocks[i].words for i in sorted(named)]
    if len(names) < 2 or len(set(names)) == len(names) or any(len(n) > 60 or len(n.split()) > 6 for n in names):
        return transcript
    heads = sorted(named)
    first = spans[heads[0]][0]
    turns = [turn for turn in transcript.turns if turn.end <= first]
    speakers: dict[str, Speaker] = {}
    for head, following in zip(heads, [*heads[1:], len(blocks)]):
        if head + 1 >= following:
            continue
        name = " ".join(blocks[head].words.rstrip(":").split())
        speakers.setdefault(name, Speaker(name))
        turns.append(Turn(index=len(turns), kind=turn_kind(name), speaker=name, role=None,
                          start=spans[head + 1][0], end=spans[following - 1][1]))
    return msgspec.structs.replace(transcript, turns=turns, speakers=list(speakers.values()))


def _file_source(source: str, segments: list[Segment]) -> str:
    """The file's characters holding `char=a,b` of the canonical text: from the start of the part
    holding its first character to the end of the part holding its last."""
    start, end = (int(x) for x in source.removeprefix("char=").split(","))
    first = segments[max(bisect.bisect_right(segments, start, key=lambda segment: segment.start) - 1, 0)]
    last = segments[max(bisect.bisect_left(segments, end, key=lambda segment: segment.start) - 1, 0)]
    return f"char={_file_range(first)[0]},{_file_range(last)[1]}"


def _file_range(segment: Segment) -> tuple[int, int]:
    """The file's characters a segment's `char=a,b` names."""
    start, end = segment.source.removeprefix("char=").split(",")
    return int(start), int(end)


def _canonical(blocks: list[_Block]) -> tuple[str, list[tuple[int, int]], list[Segment]]:
    """The page's text, its blocks as paragraphs; each block's span in it; a segment per part."""
    paragraphs: list[str] = []
    spans: list[tuple[int, int]] = []
    segments: list[Segment] = []
    length = 0
    for block in blocks:
        if paragraphs:
            paragraphs.append("\n\n")
            length += 2
        spans.append((length, length + len(block.words)))
        segments.extend(Segment(length + start, length + end, f"char={first},{last}", None, None)
                        for start, end, first, last in block.parts)
        paragraphs.append(block.words)
        length += len(block.words)
    return "".join(paragraphs) + "\n", spans, segments


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


class _Block(NamedTuple):
    """A block of a page's text (a paragraph, a list item...) and where its words are in the file."""

    words: str
    parts: tuple[tuple[int, int, int, int], ...]
    """Pieces of `words`, each (start, end) in `words` and (start, end) of the file's characters
    holding it: one for most blocks, one per line of a `<pre>`."""


@dataclasses.dataclass
class _Run:
    """Text between two pieces of markup: decoded, and the file's characters it was read from."""

    data: str
    start: int
    end: int = -1
    """Where the next piece of markup starts; -1 until the parser gets there."""


class _Page(PositionedParser):
    """Collects the text blocks of a page, each with the character ranges it came from."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._text = text
        self.blocks: list[_Block] = []
        self.bold_labels: set[str] = set()
        """Labels in bold opening a block (`<b>Mr Philip Hollobone (Kettering) (Con):</b> words`):
        the page's markup vouches for them, as it does for a speaker's class."""
        self._bold_from: int | None = None
        self._bold_before_colon: str | None = None
        self.speaker_blocks: set[int] = set()
        """Blocks whose element's class names them a speaker (`<p class="speaker">Tim Pritlove</p>`)."""
        self._speaker_class = False
        self.title: str | None = None
        self.date: str | None = None
        self.media_url: str | None = None
        self._skipping: list[str] = []
        self._pre = 0
        self._runs: list[_Run] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note metadata; start skipping clutter; a block element ends the block before it."""
        self._ended()
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
        # Nothing, or an oral question's number (`1. <b>Mr David Hanson (Delyn) (Lab):</b>`), before it.
        before = "".join(run.data for run in self._runs).strip()
        if tag in _BOLD and (not before or QUESTION_NUMBER.fullmatch(before)):
            self._bold_from = len(self._runs)

    def handle_endtag(self, tag: str) -> None:
        """Leave skipped clutter; a block element's end ends its block."""
        self._ended()
        if tag == "title":
            self._in_title = False
        if self._skipping:
            if tag in self._skipping:
                while self._skipping and self._skipping.pop() != tag:
                    pass
            return
        if tag in _BOLD and self._bold_from is not None:
            self._bold_label(" ".join("".join(run.data for run in self._runs[self._bold_from :]).split()))
        if tag in _BLOCKS:
            self._flush()
        if tag == "pre" and self._pre:
            self._pre -= 1

    def _bold_label(self, bold: str) -> None:
        """Bold words opening a block: a label when a colon ends them or follows them, unless they
        name no one (`Note:`)."""
        self._bold_from = None
        if bold.endswith((":", "：")):
            bold = bold[:-1].strip()
            # `<b>1. Mr Philip Hollobone (Kettering) (Con):</b>`: the oral question's number inside the bold.
            if (numbered := QUESTION_NUMBER.match(bold)) is not None:
                bold = bold[numbered.end() :]
            if bold.lower() not in EDITORIAL_LABELS:
                self.bold_labels.add(bold)
        elif bold and bold.lower() not in EDITORIAL_LABELS:
            self._bold_before_colon = bold

    def handle_data(self, data: str) -> None:
        """Text of the page (entities decoded): the title's, or the current block's."""
        self._ended()
        if self._in_title:
            self.title = self.title or " ".join(data.split()) or None
            return
        if self._bold_before_colon is not None and data.strip():
            if data.lstrip().startswith((":", "：")):
                self.bold_labels.add(self._bold_before_colon)
            self._bold_before_colon = None
        # A byte-order mark before <html> is no text of the page; space opens no block.
        if self._skipping or (not self._runs and not data.replace("\ufeff", "").strip()):
            return
        self._runs.append(_Run(data, self.position()))

    def handle_comment(self, data: str) -> None:
        """A comment: no text, but it ends the text before it."""
        self._ended()

    def handle_decl(self, decl: str) -> None:
        """A `<!DOCTYPE>`: as a comment."""
        self._ended()

    def handle_pi(self, data: str) -> None:
        """A `<?...>` processing instruction: as a comment."""
        self._ended()

    def unknown_decl(self, data: str) -> None:
        """A `<![CDATA[...]]>` or other marked section: as a comment."""
        self._ended()

    def _ended(self) -> None:
        """End the text run before this event: every event but text is markup, and the run ends
        where the markup starts."""
        if self._runs and self._runs[-1].end < 0:
            self._runs[-1].end = self.position()

    def _flush(self) -> None:
        """End the current block: its words (a `<pre>`'s lines as they are, others' spaces
        collapsed), cited where its runs are in the file."""
        runs, self._runs = self._runs, []
        raw = "".join(run.data for run in runs)
        words = raw.strip("\n") if self._pre else " ".join(raw.split())
        if not words.strip():
            return
        if self._speaker_class:
            self.speaker_blocks.add(len(self.blocks))
        self._speaker_class = False
        self.blocks.append(_Block(words, _parts(self._text, runs, raw, bool(self._pre))))

    def close(self) -> None:
        """Finish the page, keeping its last block."""
        super().close()
        self._ended()
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


def _parts(text: str, runs: list[_Run], raw: str, pre: bool) -> tuple[tuple[int, int, int, int], ...]:
    """Where a block's words are in the file (`text`), in parts: each line of a `<pre>` on its own,
    and any block cut where more than `_FAR` characters of markup lie between two of its runs
    (`raw`: their text joined)."""
    offsets = _Offsets(text, runs)
    in_words = _WordPositions(raw, pre)
    cuts = _cuts(raw, runs, offsets.starts, pre)
    parts = []
    for begin, stop in zip([0, *cuts], [*cuts, len(raw)]):
        piece = raw[begin:stop]
        if not piece.strip():
            continue
        begin += len(piece) - len(piece.lstrip())
        stop -= len(piece) - len(piece.rstrip())
        parts.append((in_words.at(begin), in_words.at(stop), offsets.start(begin), offsets.end(stop)))
    return tuple(parts)


def _cuts(raw: str, runs: list[_Run], starts: list[int], pre: bool) -> list[int]:
    """Where in a block's text (`raw`, its runs joined) its parts meet: a `<pre>`'s line breaks, and
    runs far apart in the file. Outside a `<pre>` only at a space: words are not cut in two."""
    cuts = {match.start() for match in _NEWLINE.finditer(raw)} if pre else set()
    for before, run, start in zip(runs, runs[1:], starts[1:]):
        if run.start - before.end > _FAR and (pre or raw[start - 1].isspace() or raw[start].isspace()):
            cuts.add(start)
    return sorted(cuts)


class _WordPositions:
    """Where a place in a block's text (`raw`, its runs joined) is in the block's words: `raw`
    without the line breaks around it in a `<pre>`, else with its spaces collapsed. Places are
    next to a word (no space on the side looked at), as the parts' ends are."""

    def __init__(self, raw: str, pre: bool) -> None:
        self._lead = len(raw) - len(raw.lstrip("\n")) if pre else 0
        self._space_ends: list[int] = []
        self._removed: list[int] = []
        """After each run of spaces, how many characters collapsing has taken out up to it."""
        if not pre:
            total = 0
            for space in _SPACES.finditer(raw):
                # Spaces opening the block go; a run inside it becomes one space.
                total += len(space.group()) - (space.start() > 0)
                self._space_ends.append(space.end())
                self._removed.append(total)

    def at(self, index: int) -> int:
        """The position in the words of the place `index` of `raw`."""
        count = bisect.bisect_right(self._space_ends, index)
        return index - self._lead - (self._removed[count - 1] if count else 0)


class _Offsets:
    """Where the characters of a block's text (its runs joined) are in the file. A run without
    entities is the file's characters as they are; in one with them (`&amp;` is one character of the
    text, five of the file) only its line breaks and its ends are known to match the file's, so a
    place inside it is widened to those."""

    def __init__(self, text: str, runs: list[_Run]) -> None:
        self._text = text
        self._runs = runs
        self.starts = list(accumulate((len(run.data) for run in runs), initial=0))[:-1]
        self._breaks: dict[int, tuple[list[int], list[int]] | None] = {}

    def start(self, index: int) -> int:
        """The file's offset of the text's character `index`, or of the start of its line."""
        run, offset, breaks = self._place(index, bisect.bisect_right(self.starts, index) - 1)
        if breaks is None:
            return run.start + offset if offset is not None else run.start
        count = bisect.bisect_left(breaks[0], offset)
        return run.start if count == 0 else breaks[1][count - 1] + 1

    def end(self, index: int) -> int:
        """The file's offset just after the text's character `index - 1`, or of the end of its line."""
        run, offset, breaks = self._place(index, bisect.bisect_right(self.starts, index - 1) - 1)
        if breaks is None:
            return run.start + offset if offset is not None else run.end
        count = bisect.bisect_left(breaks[0], offset)
        return run.end if count == len(breaks[0]) else breaks[1][count]

    def _place(self, index: int, number: int) -> tuple[_Run, int | None, tuple[list[int], list[int]] | None]:
        """Run `number` holding the text's `index`, the offset in it where the file's characters are
        the text's (None where entities make them differ and its line breaks do not pair up), and
        its line breaks where they are needed to place `index` (else None)."""
        run, offset = self._runs[number], index - self.starts[number]
        if len(run.data) == run.end - run.start:
            return run, offset, None
        breaks = self._line_breaks(number)
        return run, (offset if breaks is not None else None), breaks

    def _line_breaks(self, number: int) -> tuple[list[int], list[int]] | None:
        """Where run `number`'s line breaks are in its text and in the file; None when they do not
        pair up (a `&#10;` is a line break of the text only)."""
        if number not in self._breaks:
            run = self._runs[number]
            own = [match.start() for match in _NEWLINE.finditer(run.data)]
            found = [match.start() for match in _NEWLINE.finditer(self._text, run.start, run.end)]
            self._breaks[number] = (own, found) if len(own) == len(found) else None
        return self._breaks[number]


def _iso(value: str | None) -> str | None:
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat() if value else None
    except ValueError:
        return None


def _web(value: str | None) -> str | None:
    return value if value and value.lower().startswith(("http://", "https://")) else None
