"""TTML and DFXP captions (`.ttml`, `.dfxp`): the XML timed text of broadcasters, streaming
services and video platforms.

Each `<p>` is a timed piece; `<br/>` breaks a line, `<span>` styles words. Times are clock times
(`00:00:01.500`, or `00:00:01:12` in frames at `ttp:frameRate`) or offsets (`1.5s`, `1500ms`, `2m`,
`0.5h`, `36f`, `15000t` in ticks at `ttp:tickRate`).

Timing is TTML's (TTML2 §12.4, after SMIL) on `<body>`, `<div>`, `<p>` and `<span>`. In a `par` time
container (the default) a child's `begin` and `end` count from the container's begin; in a
`timeContainer="seq"` one, from the end of the sibling before it (the container's begin for the
first), as the IMSC reference player (imscJS) reads them. With both `end` and `dur` the earlier end
wins. With neither, an element ends as its content implies: a `par` container with the last of
its children (`endsync="all"`), a `seq` one with its last child; words right in a `seq` container
last no time (a `seq` paragraph of plain words is never shown), words in a `par` one have no end
of their own (text of whitespace alone counts for nothing; `set` and `animate` style, they do not
time). Nothing shows after an element around it has ended: a paragraph's end is cut there, and
one that begins after that lasts no time, at its begin.
Where TTML leaves a paragraph's end open, it ends with the elements around it where one of them
ends, else at the next paragraph's begin, else at its own begin. In a `seq` container a child whose
end stays open (TTML would show it until the container ends, and never the siblings after it)
lasts until the next sibling begins, that sibling's `begin` counted from the child's own begin,
as TTML1 read it (no duration of its own). A paragraph is timed when it, an element around it or
(in a `seq` container) a sibling before it carries a time; one with none of them has no times.
Apple Music's lyrics (`itunes:` attributes on `<tt>`, also written by the lyric tools that follow
it) write every time as one of the song, the same `begin` on a `<div>` and its first `<p>`: read
so, not as offsets.

Ruby (`tts:ruby`, IMSC's Japanese captions): the base is the words; the reading (`text`,
`textContainer`), the parentheses shown around it without ruby (`delimiter`) and the layout
whitespace between ruby's parts are not, whether `tts:ruby` is on the span or in a style it names.
A line of a paragraph is cut into pieces at its readings, each pointing at the file's characters
between the readings on either side of it (the paragraph's start or end where there is none), so
that a citation finds its words there and no reading; its pieces join without a space where the
file has none.
Nor are words what TTML does not render (TTML2 §14, metadata): `<metadata>` with all it holds
(foreign vocabulary too; a `<p>` in it is no paragraph and takes no time) and the metadata
vocabulary (`ttm:desc`, `ttm:title`, `ttm:copyright`, `ttm:item`, `ttm:actor`...), which may stand
in a `<body>`, `<div>`, `<p>` or `<span>`; nor a lyric tool's translation and romanisation of a
line (`ttm:role="x-translation"`, `"x-roman"`, as the AMLL tools write them after Apple Music;
background vocals, `"x-bg"`, are sung and stay). A paragraph is cut where they stood as at a reading.
Between elements, whitespace is read as TTML reads it with `xml:space="default"`: collapsed, a line
break one space. Apple Music's lyrics spell every space between words (` ` between two spans, or
inside one: `<span>You </span>`) and split a word into syllables, one span each; where such a file is
laid out one span a line (as Apple's lyrics delivery guide shows them, and downloaders save them),
the line break between two syllables (`<span>be</span>` newline `<span>fore</span>`) is layout, no
space: the word's pieces join (`attached`), each pointing at its own characters. A file laid out
so that spells no space at all (a formatter has taken them out) is read as TTML reads it: which
line breaks were spaces is lost.
The speaker is the `ttm:agent` of the paragraph or an element around it, named in the head
(`<ttm:agent xml:id="a1"><ttm:name>Alice Wong</ttm:name>`), else a `NAME:` or `[Name]` mark in
the text as in other captions; `<ttm:title>` is the title. Each other piece points at its
paragraph's characters in the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

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
# What a reader does not say: the reading of ruby and the parentheses shown around it without ruby.
_UNSAID_RUBY = frozenset({"text", "textcontainer", "delimiter"})
# Containers of ruby's parts: whitespace between the parts is layout, not a space in the words.
_RUBY_CONTAINERS = frozenset({"container", "basecontainer", "textcontainer"})
# `ttm:role`s of a line's translation and transliteration (lyric tools after Apple Music, AMLL): not
# what is sung. TTML's own roles (`dialog`, `lyrics`, `sound`, `description`...) name what words are.
_UNSAID_ROLES = frozenset({"x-translation", "x-roman"})
# Apple Music lyrics that spell the spaces between words: a space or tab just before or after `</span>`.
_SPELLED_SPACE = re.compile(r"[ \t]</(?:[\w.-]+:)?span\s*>|</(?:[\w.-]+:)?span\s*>[ \t]")
_LAYOUT = re.compile(r"[\r\n][ \t\r\n]*")  # whitespace beginning at a line break
_SPAN_END = re.compile(r"[^\s>]</(?:[\w.-]+:)?span\s*>")  # the end of a span of words
_SPAN_WORDS = re.compile(r"<(?:[\w.-]+:)?span\b[^>]*(?<!/)>[^\s<]")  # the start of one, words at once
# Where a part was taken out of a paragraph's text (a reading, metadata...), a character of Unicode's
# last private use plane stands until the pieces are cut (the n-th part, the n-th character): no
# caption writes them, and a file that does keeps its parts (and its layout is read as TTML's).
_FIRST_MARK = 0x100000
_LAST_MARK = 0x10FFFD
_MARKS = re.compile(f"([{chr(_FIRST_MARK)}-{chr(_LAST_MARK)}])")


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
            found = cue_pieces([cue], (paragraph.begin, paragraph.end_time), track, rolling=False, speaker=speaker)
            pieces.extend(_around_left_out(found, paragraph.unsaid) if paragraph.unsaid else found)
        own = Metadata(title=document.title)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


@dataclass(eq=False)
class _Timed:
    """A timed element (`body`, `div`, `p`, `span`) and its interval, in seconds from the start."""

    parent: _Timed | None
    tag: str
    begin: float
    end: float | None
    """None while it is open, or when TTML gives it no end (shown until something around it ends)."""
    seq: bool
    """Its children are timed one after another (`timeContainer="seq"`)."""
    stamped: bool
    """It, an element around it, or a sibling before it in a `seq` container carries a time."""
    agent: str | None
    hidden: bool
    """Its words are not said: ruby's reading (or fallback parentheses), a translation or romanisation."""
    ruby: str | None
    unsaid: int | None = None
    """The index of what it leaves out in its paragraph's `unsaid` (the outermost hidden span)."""
    words: bool = False
    """Words (or a `<br/>`) stand right in it: TTML's anonymous spans."""
    children: int = 0
    last_child: _Timed | None = None
    open_child: bool = False
    """A child (in a `par` container) has no end: nor has this one, by the end of its last child."""
    latest_child_end: float | None = None
    times_within: bool = False
    """It or an element in it carries a time."""
    times_before: bool = False
    """A child closed so far (in a `seq` container) carries a time, or holds one that does."""
    cut: float | None = field(default=None, repr=False)
    cut_known: bool = field(default=False, repr=False)


@dataclass
class _Paragraph:
    start: int
    node: _Timed
    agent: str | None
    begin: float | None = None
    end_time: float | None = None
    end: int = 0
    parts: list[str] = field(default_factory=list)
    unsaid: list[list[int]] = field(default_factory=list)
    """The file's characters (start, end) of each part left out of the words, in order: a ruby
    reading, metadata, a translation, the layout between two syllables."""

    @property
    def text(self) -> str:
        """The words as caption markup: entities escaped, `<br/>` between lines."""
        return "".join(self.parts)


def _close_open_ends(paragraphs: list[_Paragraph]) -> None:
    """Give each timed paragraph its times: its begin, and its end cut where an element around it
    ends; with no end, the end of the elements around it, else the next paragraph's begin, else its
    own begin (a timed piece has both times, or neither)."""
    following: float | None = None
    for paragraph in reversed(paragraphs):
        node = paragraph.node
        if not node.stamped:
            continue
        paragraph.begin = node.begin
        # Words right in a `seq` paragraph are TTML's anonymous spans of no duration: never shown.
        end = node.begin if node.seq and node.words and node.children == 0 else _cut(node)
        implied = (end, following, node.begin)
        paragraph.end_time = max(node.begin, next(time for time in implied if time is not None))
        following = node.begin


def _cut(node: _Timed) -> float | None:
    """The earliest end of `node` and the elements around it: nothing in them shows after it."""
    chain: list[_Timed] = []
    current: _Timed | None = node
    while current is not None and not current.cut_known:
        chain.append(current)
        current = current.parent
    limit = current.cut if current is not None else None
    for element in reversed(chain):
        if element.end is not None:
            limit = element.end if limit is None else min(limit, element.end)
        element.cut, element.cut_known = limit, True
    return limit


def _around_left_out(pieces: Iterable[Piece], unsaid: list[list[int]]) -> Iterator[Piece]:
    """The pieces of a paragraph with parts taken out of its words (ruby readings, metadata,
    translations, layout between syllables), each cut where a part stood into pieces that point at
    the file's characters between the parts; the pieces of one piece join with no space where its
    text has none (`attached`)."""
    for piece in pieces:
        speaker = _MARKS.sub("", piece.speaker) if piece.speaker else None
        parts = _MARKS.split(piece.text)  # words, a mark, words, a mark, ..., words
        if len(parts) == 1 or not piece.source.startswith("char="):
            yield replace(piece, speaker=speaker)
            continue
        start, end = (int(x) for x in piece.source.removeprefix("char=").split(","))
        marks = [ord(mark) - _FIRST_MARK for mark in parts[1::2]]
        first, space = True, False
        for index, words in enumerate(parts[::2]):
            if not words.strip():
                space = space or words != ""
                continue
            # Between the parts left out on either side of it: those of its line, else the nearest
            # ones of the lines before and after it (a paragraph's parts are in the file's order).
            before = marks[index - 1] if index else marks[0] - 1
            after = marks[index] if index < len(marks) else marks[-1] + 1
            left = max(start, unsaid[before][1]) if before >= 0 else start
            right = min(end, unsaid[after][0]) if after < len(unsaid) else end
            cut = replace(piece, text=words.strip(), source=f"char={left},{right}", speaker=speaker)
            if not first:
                cut = replace(cut, new_turn=False, attached=not space and not words[0].isspace())
            yield cut
            first, space = False, words[-1].isspace()


class _Document(PositionedParser):
    """Walks the file once: agents, title and ruby styles from the head, timed paragraphs from the body."""

    def __init__(self, doc_id: str, text: str) -> None:
        super().__init__(text)
        self._doc_id = doc_id
        self._text = text
        self._marks_free = _MARKS.search(text) is None
        self._spelled_spaces = _SPELLED_SPACE.search(text) is not None
        self.saw_root = False
        self.frame_rate = 30.0
        self.tick_rate = 1.0
        self.media_times = False
        """Every time is one of the recording, not an offset from the element around (Apple Music)."""
        self.title: str | None = None
        self.agents: dict[str, str] = {}
        self.paragraphs: list[_Paragraph] = []
        self._styles: dict[str, tuple[str | None, list[str]]] = {}
        """`<style>` id -> its `tts:ruby` and the styles it names."""
        self._ruby_of: dict[str, str | None] = {}
        self._open: list[_Timed] = []
        self._paragraph: _Paragraph | None = None
        self._agent_id: str | None = None
        self._in: str | None = None  # "title" or "name" while reading metadata text
        self._unrendered = 0
        """How deep in metadata (`<metadata>`, `ttm:*`) the parser is."""
        self._metadata_mark: int | None = None
        """The part of the paragraph left out from the outermost metadata in it."""
        self._timed_in_metadata = 0
        """`<p>`, `<span>`... open in metadata: no content of the document (not timed, no paragraphs)."""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Track timing and agents through the nesting; open a paragraph at `<p>`."""
        values = {name: value or "" for name, value in attrs}
        local = tag.rsplit(":", 1)[-1]
        if local == "metadata" or tag.startswith("ttm:"):
            self._enter_metadata()
        if local == "tt":
            self.saw_root = True
            # NTSC's 29.97 is written as 30 with the multiplier "1000 1001".
            rate = _positive(values.get("ttp:framerate"), 30.0)
            self.frame_rate = rate * _multiplier(values.get("ttp:frameratemultiplier"))
            # TTML's default tick rate is the frame rate where one is given, else one a second.
            self.tick_rate = _positive(values.get("ttp:tickrate"), self.frame_rate if values.get("ttp:framerate") else 1.0)
            self.media_times = any(name == "xmlns:itunes" or name.startswith("itunes:") for name in values)
        elif tag == "ttm:agent":
            self._agent_id = values.get("xml:id")
        elif tag in ("ttm:name", "ttm:title"):
            self._in = tag
        elif local == "style" and values.get("xml:id"):
            self._styles.setdefault(values["xml:id"], (values.get("tts:ruby"), values.get("style", "").split()))
        elif local == "br" and self._paragraph is not None:
            self._br()
        if local in _TIMED and self._unrendered:
            self._timed_in_metadata += 1
        elif local in _TIMED:
            self._open_element(local, values)

    def _enter_metadata(self) -> None:
        """Metadata begins: in a paragraph, the outermost is left out of its words from here."""
        node = self._open[-1] if self._open else None
        if (self._unrendered == 0 and self._paragraph is not None and self._marks_free
                and not (node is not None and node.hidden)):
            self._metadata_mark = self._leave_out(self.position(), -1)
        self._unrendered += 1

    def _leave_metadata(self, end: int) -> None:
        """The outermost metadata has ended at `end`: so does what its paragraph leaves out."""
        if self._metadata_mark is not None and self._paragraph is not None:
            self._paragraph.unsaid[self._metadata_mark][1] = end
        self._unrendered, self._metadata_mark, self._timed_in_metadata = 0, None, 0

    def _leave_out(self, start: int, end: int) -> int | None:
        """Leave the file's characters from `start` to `end` (-1: not yet known) out of the paragraph's
        words, a mark standing for them; the index of the part, None where marks have run out."""
        paragraph = self._paragraph
        assert paragraph is not None
        index = len(paragraph.unsaid)
        if _FIRST_MARK + index > _LAST_MARK:
            return None
        paragraph.unsaid.append([start, end])
        paragraph.parts.append(chr(_FIRST_MARK + index))
        return index

    def _open_element(self, local: str, values: dict[str, str]) -> None:
        """A timed element begins: its begin and (where its attributes give it) its end."""
        parent = self._open[-1] if self._open else None
        previous = parent.last_child if parent is not None and parent.seq else None
        if parent is None or self.media_times:
            reference = 0.0
        elif previous is not None:
            # The sibling before it has ended; one with no end counts as lasting no time here.
            reference = previous.end if previous.end is not None else previous.begin
        else:
            reference = parent.begin
        begin, end, duration = (self._time(values.get(name)) for name in ("begin", "end", "dur"))
        start = reference + (begin or 0.0)
        ends = [time for time in (reference + end if end is not None else None,
                                  start + duration if duration is not None else None) if time is not None]
        stamped = (begin is not None or bool(ends)
                   or (parent is not None and (parent.stamped or parent.times_before)))
        agents = values.get("ttm:agent", "").split()
        agent = agents[0] if agents else (parent.agent if parent is not None else None)
        ruby = self._ruby(values) if local == "span" else None
        unsaid = ruby in _UNSAID_RUBY or not _UNSAID_ROLES.isdisjoint(values.get("ttm:role", "").lower().split())
        hidden = (parent is not None and parent.hidden) or (unsaid and self._marks_free)
        node = _Timed(parent, local, start, max(start, min(ends)) if ends else None,
                      (values.get("timecontainer") or "").strip().lower() == "seq", stamped, agent, hidden, ruby)
        node.times_within = begin is not None or bool(ends)
        if previous is not None and previous.end is None:
            previous.end = max(previous.begin, start)  # it lasted until this one began
        self._open.append(node)
        if local == "p" and self._paragraph is None:
            offset = self.position() + len(self.get_starttag_text() or "")
            self._paragraph = _Paragraph(offset, node, agent)
        elif hidden and not (parent is not None and parent.hidden) and self._paragraph is not None:
            node.unsaid = self._leave_out(self.position(), -1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<br/>` breaks a line; an empty timed element (`<div dur="2s"/>`) takes its time in a
        `seq` container (none in metadata); `<style/>` may set ruby; any other empty element opens
        nothing."""
        local = tag.rsplit(":", 1)[-1]
        if local == "br" and self._paragraph is not None:
            self._br()
        elif local == "style" or local in _TIMED:
            self.handle_starttag(tag, attrs)
            if local in _TIMED:
                self.handle_endtag(tag)

    def _br(self) -> None:
        node = self._open[-1] if self._open else None
        if self._unrendered and self._marks_free:
            return  # in metadata
        if node is not None:
            node.words = True
        if self._paragraph is not None and not (node is not None and node.hidden):
            self._paragraph.parts.append("<br/>")

    def handle_endtag(self, tag: str) -> None:
        """Close what was opened; a paragraph's characters end where its end tag starts."""
        local = tag.rsplit(":", 1)[-1]
        if tag in ("ttm:name", "ttm:title"):
            self._in = None
        elif tag == "ttm:agent":
            self._agent_id = None
        if (local == "metadata" or tag.startswith("ttm:")) and self._unrendered:
            self._unrendered -= 1
            if not self._unrendered:
                self._leave_metadata(self._text.find(">", self.position()) + 1 or len(self._text))
            return
        if local not in _TIMED or not self._open:
            return
        if self._unrendered:
            if self._timed_in_metadata:
                self._timed_in_metadata -= 1
                return
            self._leave_metadata(self.position())  # metadata left open ends with the element around it
        node = self._open.pop()
        _close(node)
        if node.unsaid is not None and self._paragraph is not None:
            self._paragraph.unsaid[node.unsaid][1] = self._text.find(">", self.position()) + 1 or len(self._text)
        if local == "p" and self._paragraph is not None:
            self._paragraph.end = self.position()
            for reading in self._paragraph.unsaid:
                reading[1] = self._paragraph.end if reading[1] < 0 else reading[1]  # a span left open
            if self._paragraph.text.strip():
                self.paragraphs.append(self._paragraph)
            self._paragraph = None

    def handle_data(self, data: str) -> None:
        """Words of a paragraph, or the title and agents' names in metadata."""
        if self._paragraph is not None and not (self._unrendered and self._marks_free):
            node = self._open[-1] if self._open else None
            if node is not None and data.strip():
                node.words = True
            if node is not None and (node.hidden or (node.ruby in _RUBY_CONTAINERS and self._marks_free
                                                     and not data.strip())):
                return  # a reading, or the layout between ruby's parts
            if self._between_syllables(data, self._paragraph.parts):
                self._leave_out(self.position(), self.position() + len(data))
                return
            # Escaped again: the caption reader takes markup off a cue's text and decodes entities.
            self._paragraph.parts.append(html.escape(data, quote=False))
        elif self._in == "ttm:title" and self._paragraph is None and data.strip():
            self.title = self.title or " ".join(data.split())
        elif self._in == "ttm:name" and self._agent_id and data.strip():
            self.agents.setdefault(self._agent_id, " ".join(data.split()))

    def _between_syllables(self, data: str, parts: list[str]) -> bool:
        """`data` (after a paragraph's `parts`) is the layout between two syllables of a word in Apple
        Music lyrics that spell their spaces: a line break (and indentation) right between the end of
        a span of words and the start of the next, no space before the break nor at the edges of the two."""
        if not (self.media_times and self._spelled_spaces and self._marks_free and _LAYOUT.fullmatch(data)):
            return False
        position = self.position()
        last = parts[-1] if parts else ""
        if not last or last == "<br/>" or last[-1].isspace() or _MARKS.fullmatch(last[-1]):
            return False
        end = self._text.rfind("<", 0, position) - 1
        return (self._text[position : position + len(data)] == data and end >= 0
                and _SPAN_END.fullmatch(self._text, end, position) is not None
                and _SPAN_WORDS.match(self._text, position + len(data)) is not None)

    def _ruby(self, values: dict[str, str]) -> str | None:
        """A span's `tts:ruby`: set on it, else by the last of the styles it names that sets one."""
        if "tts:ruby" in values:
            return values["tts:ruby"].strip().lower()
        found: str | None = None
        for name in values.get("style", "").split():
            found = self._style_ruby(name) or found
        return found

    def _style_ruby(self, name: str) -> str | None:
        """The `tts:ruby` a `<style>` sets: its own, else that of the last style it names that sets
        one (styles name styles; resolved without recursion, a loop read as setting none)."""
        pending = [(name, False)]
        visiting: set[str] = set()
        while pending:
            current, expanded = pending.pop()
            if current in self._ruby_of or current not in self._styles:
                continue
            own, named = self._styles[current]
            if expanded:
                found = own.strip().lower() if own is not None else None
                for other in named if found is None else ():
                    found = self._ruby_of.get(other) or found
                self._ruby_of[current] = found
            elif current not in visiting:
                visiting.add(current)
                pending.append((current, True))
                pending.extend((other, False) for other in named)
        return self._ruby_of.get(name)

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


def _close(node: _Timed) -> None:
    """An element's end tag: with no end of its own, it ends as its content implies (TTML2 §12.4,
    SMIL's implicit durations with `endsync="all"`); its container learns of it."""
    parent = node.parent
    if node.end is None:
        if node.tag == "span" and node.children == 0:
            # Words alone: an anonymous span, no time in a `seq` container and no end in a `par` one.
            implied = node.begin if parent is not None and parent.seq else None
        elif node.seq:
            last = node.last_child
            implied = node.begin if last is None else last.end
        elif node.words or node.open_child:
            implied = None
        else:
            implied = node.begin if node.latest_child_end is None else node.latest_child_end
        node.end = None if implied is None else max(node.begin, implied)
    if parent is None:
        return
    parent.children += 1
    parent.last_child = node
    if node.end is None:
        parent.open_child = True
    else:
        latest = parent.latest_child_end
        parent.latest_child_end = node.end if latest is None else max(latest, node.end)
    parent.times_within = parent.times_within or node.times_within
    if parent.seq:
        parent.times_before = parent.times_before or node.times_within


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
