"""Timestamped text: the plain-text exports of meeting and transcription tools.

Each paragraph opens with a stamp line that gives its time and, usually, its speaker:

* `Jane Doe  0:12` above the words (Otter), `Stephan 00:02:38:` likewise (review.btctranscripts.com),
  `[Alice Wong] 10:02:15` (Zoom's text export);
* `Speaker 1 (00:05):` (Rev), `Alice [00:00:05]: words`, `Alice: [00:00:05] words` (Sonix),
  `Kevin: 0:00` above the words (a Podcasting 2.0 HTML transcript: `<cite>`, `<time>`, `<p>`);
* `[00:00:07] Bob: words` on one line (Descript and many others), `00:00:07 - Bob: words`;
* `0:0:5.120 --> 0:0:9.800` with the name on the line below (Teams' document export);
* `0:03` above the words (a copied YouTube transcript), the speaker then carried over or given by
  a `Name:` label on the first line.

The labelled-text parser would read these as narration with the stamps in it: no speakers, no
times. Here the file becomes timed pieces, as captions do (`rag.ingest.timed`): the canonical
text is the spoken words, each line of them a segment pointing at its characters in the file,
timed from its stamp to the next one. Lines before the first stamp (a title, a date) are kept
as untimed narration, so no words of the file are lost.
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from dataclasses import dataclass

from rag.ingest import boilerplate
from rag.ingest.captions import CHARACTER_REFERENCE, TIMING, Line, lines_of, seconds, speaker_mark
from rag.ingest.front_matter import read_front_matter
from rag.ingest.labels import is_name_like
from rag.ingest.names import NO_SPEAKER
from rag.ingest.text import markup_blanked
from rag.ingest.timed import Metadata, Piece

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_STAMP = rf"[\[(]?(?P<time>{_TIME})[\])]?"
_NAME = r"(?P<name>[^:：\[\]()<>\n]{1,60}?)"
# A colon as Latin script writes it (a space after), or the full-width one of Chinese and Japanese text.
_COLON = r"(?::\s+|：\s*)"
# A stamp line's shapes, tried in order. These carry the words on the same line. Each says whether
# its stamp and colon frame the name, so that a chat handle (`[00:00] qx: words`) counts as one.
_WITH_WORDS = (
    (re.compile(rf"^{_STAMP}(?:\s*[-–—|]\s*|\s+){_NAME}\s*{_COLON}(?P<words>\S.*)$"), True),  # [00:00:07] Bob: words
    (re.compile(rf"^{_NAME}\s*[\[(](?P<time>{_TIME})[\])]\s*{_COLON}(?P<words>\S.*)$"), False),  # Alice [00:05]: words
    (re.compile(rf"^{_NAME}\s*:\s*{_STAMP}\s+(?P<words>\S.*)$"), True),  # Alice: [00:05] words
    (re.compile(rf"^\[{_NAME}\]\s*{_STAMP}\s+(?P<words>\S.*)$"), False),  # [Speaker 1] [00:17] words
    (re.compile(rf"^{_NAME}\s*[\[(](?P<time>{_TIME})[\])]\s+(?P<words>\S.*)$"), False),  # **Ali** [00:00:00] words
)
# A name with its time and nothing else: taken for a speaker only where the file heads its
# paragraphs so (`_heading_names`), so a short line that ends in a time ("Final score 3:15") is not.
_NAME_ONLY = (
    re.compile(rf"^{_NAME}\s*[\[(](?P<time>{_TIME})[\])]\s*[:：]?$"),  # Speaker 1 (00:05):
    re.compile(rf"^\[{_NAME}\]\s*(?P<time>{_TIME})$"),  # [Alice Wong] 10:02:15
    re.compile(rf"^{_NAME}\s+{_STAMP}$"),  # Jane Doe  0:12
    re.compile(rf"^{_NAME}\s+{_STAMP}\s*[:：]$"),  # Stephan 00:02:38: (review.btctranscripts.com's exports)
    re.compile(rf"^{_STAMP}\s+{_NAME}$"),  # 00:00:05 Alice Wong
    re.compile(rf"^{_NAME}\s*:\s*{_STAMP}$"),  # Kevin: 0:00 (a Podcasting 2.0 HTML transcript's <cite> and <time>)
    re.compile(rf"^@(?P<time>{_TIME})\s*[-–—]\s*{_NAME}\s*(?:\([^()\n]*\))?$"),  # @0:25 - Lloyd Ian (lloyd@x.com): Fathom
)
_ANY_TIME = re.compile(r"\d:\d")
_ENTITY = re.compile(CHARACTER_REFERENCE)
# 0:03 (words); `(00:01:51):` as exports write the same speaker's next stamp under `Name (00:00:53):`
_TIME_ONLY = re.compile(rf"^{_STAMP}(?:\s*[:：])?(?:\s*(?P<words>\S.*))?$")
# [00:43.810 --> 00:47.850] words, as whisper prints segments; [00:00 - 00:10] words
_RANGE = re.compile(rf"^\[(?P<time>{_TIME})\s*(?:-->|[-–—])\s*(?P<end>{_TIME})\](?:\s+(?P<words>\S.*))?$")
# A chat handle (`kushti`, `qx`) is a speaker where a stamp and a colon frame it.
_HANDLE = re.compile(r"^[a-z][\w.\-]{1,30}$")
# A label has at most a few words; "Speaker 1" and diarization labels (`SPEAKER_00`) count.
_MAX_NAME_WORDS = 5
_STAMP_WITHIN = 100
_SENTENCE = re.compile(r"[?!]$|[^\W\d_]{3,}\.$")
# How much of a file must be stamps, in order, before it is read this way: an agenda
# ("10:30 Opening remarks") inside a labelled transcript is not.
_MIN_STAMPS = 2
_MIN_STAMP_SHARE = 0.1
_MIN_IN_ORDER = 0.9
# Exports open (nearly) every paragraph with a stamp.
_MIN_STAMPED_PARAGRAPHS = 0.8
_MIN_NAMED_STAMPS = 0.9
_MIN_NAMED_PARAGRAPHS = 0.2
_MAX_FRONT_SHARE = 0.5


@dataclass(frozen=True)
class _Stamp:
    """A stamp line: when, who (if it says), and the words on the line after the stamp."""

    line: int
    start_time: float
    end_time: float | None
    speaker: str | None
    words_from: int | None
    """Where the words start in the file, when the stamp line has any."""


@dataclass(frozen=True)
class StampedText:
    """A timestamped text file as timed pieces, with the title and date of its front lines."""

    pieces: list[Piece]
    metadata: Metadata


def read_stamped_text(doc_id: str, text: str) -> StampedText | None:
    """The pieces of `text` when it is a timestamped export; None when it is not (most text)."""
    if _ANY_TIME.search(text) is None:
        return None
    # Front matter gives title, date and media; its lines are not the transcript's.
    matter = read_front_matter(text)
    lines = [line for line in lines_of(text) if matter is None or line.start >= matter.end]
    # Markdown marks seen through, as the labelled-text parser sees them: `**Alice Wong** (00:00:05)`
    # and `### Alice Wong (00:00:15)` are stamp lines too.
    shapes = [_shape(markup_blanked(line.text).strip()) for line in lines]
    names = _heading_names(lines, shapes)
    stamps = [
        stamp for number, (line, shape) in enumerate(zip(lines, shapes))
        if shape is not None and (stamp := _stamp(line, number, shape, names, doc_id)) is not None
    ]
    if not _is_stamped(lines, stamps):
        return None
    front = [line for line in lines[: stamps[0].line] if line.text.strip()]
    pieces = [Piece(_content(line), _source(line), None, None) for line in front]
    bounds = [stamp.line for stamp in stamps[1:]] + [len(lines)]
    labels = _body_labels(text, lines, stamps, bounds)
    speaker: str | None = None
    for stamp, stop, following in zip(stamps, bounds, [*stamps[1:], None]):
        # The last stamp's words have no end in the file: they are placed at their start.
        # A stamp out of order (a transcript pasted twice) would end its words before they start:
        # `build_transcript` makes such an end the start, as for every reader.
        end_time = stamp.end_time if stamp.end_time is not None else (following or stamp).start_time
        body = _body_lines(lines, stamp, stop)
        body_speaker, body = _speaker_of(text, body, names)
        # Otter's "Unknown Speaker" is whoever it could not tell apart: nobody named, a turn of its own.
        unnamed = stamp.speaker is not None and stamp.speaker.lower() in NO_SPEAKER
        speaker = None if unnamed else stamp.speaker or body_speaker or speaker
        for number, (start, end) in enumerate(body):
            words = text[start:end]
            # Under a stamp that names nobody, a line may name its speaker (`Bob Lee: ...`, as
            # Google Meet writes several speakers between two stamps).
            mark = speaker_mark(words) if body_speaker is None else None
            if mark is not None and mark.speaker is not None and (stamp.speaker is None or mark.speaker in labels):
                speaker = mark.speaker
                start = end - len(mark.text)
                words = mark.text
            # The lines above the first stamp (a title) are no part of the first stamp's turn.
            opens = bool(front) and len(pieces) == len(front) or (unnamed and number == 0)
            # Markdown exports made from web pages keep their entities (`we&#39;re`): read as the page showed them.
            words = html.unescape(words) if _ENTITY.search(words) else words
            pieces.append(Piece(words, f"char={start},{end}", stamp.start_time, end_time, speaker, new_turn=opens))
    metadata = _front_metadata(front)
    if matter is not None:
        metadata = metadata.overridden_by(Metadata(title=matter.title, date=matter.date, media_url=matter.media_url))
    return StampedText(pieces, metadata)


@dataclass(frozen=True)
class _Shape:
    """Which stamp shape a line has, matched once: `timing`, `words` (a speaker and the words
    after the stamp), `name` (a name and a time alone: a speaker only where names head the
    paragraphs) or `time`."""

    kind: str
    match: re.Match[str]


def _shape(content: str) -> _Shape | None:
    """The stamp shape of a (stripped) line, if it has one."""
    # Most lines are words: one cheap search spares them every pattern below. A stamp opens its
    # line (after a name at most), though the words after it may run long.
    if not content or _ANY_TIME.search(content, 0, _STAMP_WITHIN) is None:
        return None
    timing = TIMING.match(content)
    if timing and not timing["settings"].strip():
        return _Shape("timing", timing)
    if match := _RANGE.match(content):
        return _Shape("range", match)
    for pattern, framed in _WITH_WORDS:
        match = pattern.match(content)
        if match and (_is_speaker(match["name"]) or (framed and _HANDLE.match(_clean(match["name"])))):
            return _Shape("words", match)
    for pattern in _NAME_ONLY:
        if match := pattern.match(content):
            return _Shape("name", match)
    match = _TIME_ONLY.match(content)
    return _Shape("time", match) if match else None


def _stamp(line: Line, number: int, shape: _Shape, names: set[str], doc_id: str) -> _Stamp | None:
    """The stamp a line's shape makes, if it makes one."""
    match, where = shape.match, f"{doc_id}: line {line.number}"
    seen = markup_blanked(line.text)
    offset = line.start + len(seen) - len(seen.lstrip())
    if shape.kind == "timing":
        return _Stamp(number, seconds(match["start"], where), seconds(match["end"], where), None, None)
    if shape.kind == "range":
        words = offset + match.start("words") if match["words"] else None
        return _Stamp(number, seconds(match["time"], where), seconds(match["end"], where), None, words)
    if shape.kind == "words":
        return _Stamp(number, seconds(match["time"], where), None, _clean(match["name"]), offset + match.start("words"))
    if shape.kind == "name":
        if _clean(match["name"]) in names:
            return _Stamp(number, seconds(match["time"], where), None, _clean(match["name"]), None)
        # Not a speaker: "00:00:05 Final remarks" is still a time above words.
        match = _TIME_ONLY.match(match.string)
        if match is None:
            return None
    words = offset + match.start("words") if match["words"] else None
    return _Stamp(number, seconds(match["time"], where), None, None, words)


def _heading_names(lines: list[Line], shapes: list[_Shape | None]) -> set[str]:
    """The names that head paragraphs alone with a time, or alone below a time, in a file that
    does so as its convention: a shape used two or more times, with some name in it recurring.
    Then a speaker heard once is as much a speaker as the rest."""
    by_shape: dict[object, list[str]] = {}
    for number, shape in enumerate(shapes):
        if shape is None:
            continue
        if shape.kind == "name":
            key: object = shape.match.re
            name = shape.match["name"]
        elif (shape.kind == "timing" or (shape.kind == "time" and not shape.match["words"])) and number + 2 < len(lines):
            if not lines[number + 2].text.strip():
                continue
            key, name = "below", lines[number + 1].text
        else:
            continue
        if _is_speaker(name):
            by_shape.setdefault(key, []).append(_clean(name))
    names: set[str] = set()
    for found in by_shape.values():
        if len(found) >= 2 and len(set(found)) < len(found):
            names.update(found)
    return names


def _is_stamped(lines: list[Line], stamps: list[_Stamp]) -> bool:
    """Whether the stamps are the file's structure: enough of them, in time order, from near the top."""
    if len(stamps) < _MIN_STAMPS:
        return False
    filled = [number for number, line in enumerate(lines) if line.text.strip()]
    front = sum(number < stamps[0].line for number in filled)
    after = len(filled) - front
    if front > _MAX_FRONT_SHARE * len(filled) or len(stamps) < _MIN_STAMP_SHARE * after:
        return False
    stamped = {stamp.line for stamp in stamps}
    # A stamp alone in its paragraph heads the next one too (`Speaker 1 (00:05):`, a blank
    # line, the words: as a web page's line break reads).
    bare = {stamp.line for stamp in stamps if stamp.words_from is None}
    openers = [number for number in _paragraph_openers(lines) if number >= stamps[0].line]
    headed = sum(number in stamped or _filled_line_before(lines, number) in bare for number in openers)
    if headed < _stamped_share(stamps) * len(openers):
        return False
    in_order = sum(b.start_time >= a.start_time for a, b in zip(stamps, stamps[1:]))
    return in_order >= _MIN_IN_ORDER * (len(stamps) - 1)


def _stamped_share(stamps: list[_Stamp]) -> float:
    """The share of paragraphs stamps must open. Where (nearly) every stamp names a speaker and
    names recur, a stamp opens a turn of several paragraphs (`**Ali** [00:02:10] ...` heading a
    long answer), and a fifth will do; bare times must open most paragraphs, or an agenda's
    "10:30 Opening remarks" would make a briefing an export."""
    named = [stamp.speaker for stamp in stamps if stamp.speaker is not None]
    recurring = len(set(named)) < len(named)
    if len(named) >= _MIN_NAMED_STAMPS * len(stamps) and recurring:
        return _MIN_NAMED_PARAGRAPHS
    return _MIN_STAMPED_PARAGRAPHS


def _paragraph_openers(lines: list[Line]) -> list[int]:
    """The line numbers that open a paragraph (a non-blank line after a blank one, or the first)."""
    openers, blank_before = [], True
    for number, line in enumerate(lines):
        filled = bool(line.text.strip())
        if filled and blank_before:
            openers.append(number)
        blank_before = not filled
    return openers


def _filled_line_before(lines: list[Line], number: int) -> int | None:
    """The number of the last non-blank line above line `number`."""
    return next((before for before in range(number - 1, -1, -1) if lines[before].text.strip()), None)


def _body_lines(lines: list[Line], stamp: _Stamp, stop: int) -> list[tuple[int, int]]:
    """The character ranges of the words under a stamp: on its own line, then each line below."""
    ranges = []
    if stamp.words_from is not None:
        ranges.append(_trimmed(lines[stamp.line].text, lines[stamp.line].start, stamp.words_from))
    for line in lines[stamp.line + 1 : stop]:
        if line.text.strip() and not boilerplate.is_export_footer(line.text.strip()):
            ranges.append(_trimmed(line.text, line.start, line.start))
    return ranges


def _body_labels(text: str, lines: list[Line], stamps: list[_Stamp], bounds: list[int]) -> set[str]:
    """Speakers whose `Name:` opens lines below stamps that name someone else: a podcast page that
    stamps only the host's paragraphs (`[03:57] Host: ...`, then `Guest: ...` unstamped). Only a
    name some stamp gives, or one opening two or more such lines: a one-off `Note:` stays words."""
    stamped = {stamp.speaker for stamp in stamps if stamp.speaker is not None}
    opened = Counter(
        mark.speaker
        for stamp, stop in zip(stamps, bounds) if stamp.speaker is not None
        for line in lines[stamp.line + 1 : stop] if line.text.strip()
        if (mark := speaker_mark(line.text.strip())).speaker is not None and mark.speaker != stamp.speaker
    )
    return {name for name, count in opened.items() if count >= 2 or name in stamped}


def _speaker_of(text: str, body: list[tuple[int, int]], names: set[str]) -> tuple[str | None, list[tuple[int, int]]]:
    """A recurring name alone on the first line under a stamp (Teams' export) is the speaker."""
    if len(body) >= 2:
        first = _clean(text[body[0][0] : body[0][1]])
        if first in names:
            return first, body[1:]
    return None, body


def _trimmed(line_text: str, line_start: int, words_from: int) -> tuple[int, int]:
    """The range from `words_from` to the line's end, without the blanks around it."""
    end = line_start + len(line_text.rstrip())
    start = words_from
    while start < end and line_text[start - line_start].isspace():
        start += 1
    return start, end


def _front_metadata(front: list[Line]) -> Metadata:
    """A title and date from the lines above the first stamp."""
    if not front:
        return Metadata()
    first = markup_blanked(front[0].text).strip()  # `# Transcript of ...` is titled without its `#`
    title = boilerplate.clean_title(first) if boilerplate.is_title_like(first) else None
    found = boilerplate.find_full_date("\n".join(line.text for line in front))
    return Metadata(title=title, date=found[0] if found else None)


def _content(line: Line) -> str:
    return line.text.strip()


def _source(line: Line) -> str:
    start, end = _trimmed(line.text, line.start, line.start)
    return f"char={start},{end}"


# Cached: an export repeats its few speakers' names on every paragraph.
@functools.lru_cache(maxsize=4096)
def _is_speaker(name: str) -> bool:
    name = _clean(name)
    # "00:01:35 Covered." or "Yeah." is a short line of speech, not a name ("Smith Jr." is).
    if _SENTENCE.search(name):
        return False
    return is_name_like(name.replace("_", " ")) and len(name.split()) <= _MAX_NAME_WORDS


@functools.lru_cache(maxsize=4096)
def _clean(name: str) -> str:
    return " ".join(name.split())
