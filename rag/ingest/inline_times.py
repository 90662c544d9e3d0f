"""Times from sparse stamps in plain text: `[03:57]` (or Markdown's escaped `\\[03:57\\]`, or
`(01:02:03)`) at the start of some paragraphs, as podcast sites mark their transcripts every few
minutes. A file whose every paragraph opens with a stamp is a timestamped export
(`rag.ingest.timestamped`); this is for the rest.

Each stamp times the words from it to the next stamp. The transcript gets segments: the parts of
each turn between two stamps (`char=a,b`, the file's own characters), timed from the stamp before
them to the next; words before the first stamp have no time.

Transcription tools of qualitative research (f4transkript, f5, easytranscript) close each
paragraph instead with the time it ends, `#00:01:22-6#` (tenths after the dash): the words from
one such stamp to the next are timed from the first to the second, the first paragraph's from
the start of the recording; words after the last stamp have no time. Neither kind of stamp is
quoted in an extract (`after_stamp`, `before_stamp`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

from rag.ingest.captions import seconds
from rag.ingest.text import trimmed_span
from rag.ingest.timed import sane_times
from rag.types import Segment, Transcript

_STAMP = re.compile(r"\\?[\[(](?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\\?[\])]")
# What may stand before a stamp on its line: indentation, Markdown marks, a speaker label.
_LINE_OPENING = re.compile(r"^[ \t*_>#-]*(?:[^:\n]{1,80}:[ \t*_]*)?$")
_MIN_STAMPS = 2
# Most stamps open their line and count up: times of day inside sentences ("at [10:30]") do neither.
_MIN_SHARE = 0.8
_CLOSING_STAMP = re.compile(r"#(?P<time>\d{1,2}:\d{2}:\d{2})(?:[-.,](?P<fraction>\d{1,3}))?#")
_CLOSING_STAMP_AT_END = re.compile(rf"\s*{_CLOSING_STAMP.pattern}$")


@dataclass(frozen=True)
class _Stamp:
    start: int
    end: int
    seconds: float


# A part of the text (characters from, to) and its time (start, end): None where untimed.
_Bounds = tuple[int, int, float | None, float | None]


def with_inline_times(transcript: Transcript) -> Transcript:
    """`transcript` (plain text, no segments of its own) timed by the stamps opening its
    paragraphs, or closing them, or unchanged when it has too few such stamps or they do not
    count up."""
    if transcript.segments:
        return transcript
    bounds = _opening_bounds(transcript.text) or _closing_bounds(transcript.text)
    if not bounds:
        return transcript
    segments = []
    for turn in transcript.turns:
        for first, last, start_time, end_time in bounds:
            start, end = trimmed_span(transcript.text, max(first, turn.start), min(last, turn.end))
            if start < end:
                segments.append(Segment(start, end, f"char={start},{end}", *sane_times(start_time, end_time)))
    return msgspec.structs.replace(transcript, segments=segments)


def _opening_bounds(text: str) -> list[_Bounds]:
    """Each stamp opening a paragraph times the words up to the next; none before the first."""
    stamps = _stamps(text)
    if not stamps:
        return []
    return [(0, stamps[0].start, None, None)] + [
        (stamp.start, following.start if following else len(text), stamp.seconds,
         following.seconds if following else stamp.seconds)
        for stamp, following in zip(stamps, [*stamps[1:], None])
    ]


def _closing_bounds(text: str) -> list[_Bounds]:
    """Each stamp closing a paragraph (`#00:01:22-6#`) times the words since the stamp before
    it, the stamps left out; the words after the last have no time."""
    stamps = _closing_stamps(text)
    if not stamps:
        return []
    bounds: list[_Bounds] = []
    previous_end, previous_seconds = 0, 0.0
    for stamp in stamps:
        bounds.append((previous_end, stamp.start, previous_seconds, stamp.seconds))
        previous_end, previous_seconds = stamp.end, stamp.seconds
    return [*bounds, (previous_end, len(text), None, None)]


def _closing_stamps(text: str) -> list[_Stamp]:
    """The stamps that close their lines, when there are enough and they count up; else none."""
    found = []
    total = 0
    for match in _CLOSING_STAMP.finditer(text):
        total += 1
        line_end = text.find("\n", match.end())
        if not text[match.end() : line_end if line_end >= 0 else len(text)].strip():
            tenths = f".{match['fraction']}" if match["fraction"] else ""
            found.append(_Stamp(match.start(), match.end(), seconds(match["time"] + tenths, "")))
    return found if _enough_in_order(found, total) else []


def before_stamp(text: str, start: int, end: int) -> int:
    """Where the words end when `text[start:end]` closes with a stamp (`#00:01:22-6#`, before it
    and the blanks before it), else `end`."""
    match = _CLOSING_STAMP_AT_END.search(text, start, end)
    return match.start() if match else end


def after_stamp(text: str, start: int, end: int) -> int:
    """Where the words begin when `text[start:end]` opens with a stamp (past it and the blanks
    after it), else `start`: an extract quotes what was said, not the stamp before it."""
    match = _STAMP.match(text, start, end)
    if match is None:
        return start
    position = match.end()
    while position < end and text[position].isspace():
        position += 1
    return position if position < end else start


def _stamps(text: str) -> list[_Stamp]:
    """The stamps that open their lines, when there are enough and they count up; else none."""
    found = []
    total = 0
    for match in _STAMP.finditer(text):
        total += 1
        line_start = text.rfind("\n", 0, match.start()) + 1
        if _LINE_OPENING.match(text[line_start : match.start()]):
            found.append(_Stamp(match.start(), match.end(), seconds(match["time"], "")))
    return found if _enough_in_order(found, total) else []


def _enough_in_order(found: list[_Stamp], total: int) -> bool:
    """Whether the stamps `found` in their places (of `total` in the text) are a file's times: two
    or more, most of the text's stamps, most of them counting up."""
    ordered = sum(b.seconds >= a.seconds for a, b in zip(found, found[1:]))
    return len(found) >= _MIN_STAMPS and len(found) >= _MIN_SHARE * total and ordered >= _MIN_SHARE * (len(found) - 1)
