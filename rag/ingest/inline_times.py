"""Times from sparse stamps in plain text: `[03:57]` (or Markdown's escaped `\\[03:57\\]`, or
`(01:02:03)`) at the start of some paragraphs, as podcast sites mark their transcripts every few
minutes. A file whose every paragraph opens with a stamp is a timestamped export
(`rag.ingest.timestamped`); this is for the rest.

Each stamp times the words from it to the next stamp. The transcript gets segments: the parts of
each turn between two stamps (`char=a,b`, the file's own characters), timed from the stamp before
them to the next; words before the first stamp have no time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

from rag.ingest.captions import seconds
from rag.ingest.text import trimmed_span
from rag.types import Segment, Transcript

_STAMP = re.compile(r"\\?[\[(](?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?)\\?[\])]")
# What may stand before a stamp on its line: indentation, Markdown marks, a speaker label.
_LINE_OPENING = re.compile(r"^[ \t*_>#-]*(?:[^:\n]{1,80}:[ \t*_]*)?$")
_MIN_STAMPS = 2
# Most stamps open their line and count up: times of day inside sentences ("at [10:30]") do neither.
_MIN_SHARE = 0.8


@dataclass(frozen=True)
class _Stamp:
    start: int
    seconds: float


def with_inline_times(transcript: Transcript) -> Transcript:
    """`transcript` (plain text, no segments of its own) timed by the stamps opening its
    paragraphs, or unchanged when it has too few such stamps or they do not count up."""
    stamps = _stamps(transcript.text)
    if transcript.segments or not stamps:
        return transcript
    bounds = [(None, stamps[0].start, None, None)] + [
        (stamp.start, following.start if following else len(transcript.text), stamp.seconds,
         following.seconds if following else stamp.seconds)
        for stamp, following in zip(stamps, [*stamps[1:], None])
    ]
    segments = []
    for turn in transcript.turns:
        for first, last, start_time, end_time in bounds:
            start, end = trimmed_span(transcript.text, max(first or 0, turn.start), min(last, turn.end))
            if start < end:
                segments.append(Segment(start, end, f"char={start},{end}", start_time, end_time))
    return msgspec.structs.replace(transcript, segments=segments)


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
    openers = 0
    for match in _STAMP.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        opens = bool(_LINE_OPENING.match(text[line_start : match.start()]))
        openers += opens
        if opens:
            found.append(_Stamp(match.start(), seconds(match["time"], "")))
    total = len(_STAMP.findall(text))
    ordered = sum(b.seconds >= a.seconds for a, b in zip(found, found[1:]))
    if len(found) < _MIN_STAMPS or openers < _MIN_SHARE * total or ordered < _MIN_SHARE * (len(found) - 1):
        return []
    return found
