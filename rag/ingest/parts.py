"""Pointing a transcript read from a container's rendering back at the container's parts.

A Word file is read as its paragraphs, one per line; a PDF as its pages' text, each page after the
first opening with a form feed (as `pdftotext` writes them). Either rendering is then read as
plain text is, and its segments point at characters of the rendering. Here they are pointed at
the parts holding those characters instead (`paragraph=N`, `page=N`, or a range `N-M`), and a
rendering read as labelled text, which has no segments, gets one per part.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import msgspec

from rag.types import Segment, Transcript

_CHAR_SOURCE = re.compile(r"char=(\d+),(\d+)")


def pointed_at_parts(transcript: Transcript, format_name: str, part: str, starts: Sequence[int],
                     rendering: str) -> Transcript:
    """`transcript` (read from `rendering`, whose parts begin at `starts`) with its segments
    pointing at `part=N` (counted from 1) and its format named `format_name`."""
    if transcript.segments:
        segments = [msgspec.structs.replace(s, source=_part_range(s.source, starts, part)) for s in transcript.segments]
    else:
        segments = [Segment(start, end, f"{part}={number}", None, None)
                    for number, (start, end) in enumerate(_spans(rendering, starts), 1) if start < end]
    return msgspec.structs.replace(transcript, format=format_name, segments=segments)


def pointed_at_lines(transcript: Transcript, format_name: str, part: str, rendering: str) -> Transcript:
    """`pointed_at_parts` for a rendering whose parts are its lines (a Word file's paragraphs, an
    RTF document's lines)."""
    starts = [0] + [match.end() for match in re.finditer("\n", rendering)]
    return pointed_at_parts(transcript, format_name, part, starts, rendering)


def _part_range(source: str, starts: Sequence[int], part: str) -> str:
    """`char=a,b` of the rendering as the parts holding those characters."""
    match = _CHAR_SOURCE.fullmatch(source)
    if match is None:
        return source
    start, end = int(match[1]), int(match[2])
    first, last = bisect.bisect_right(starts, start), bisect.bisect_right(starts, max(start, end - 1))
    return f"{part}={first}" if first == last else f"{part}={first}-{last}"


def _spans(rendering: str, starts: Sequence[int]) -> list[tuple[int, int]]:
    """Each part's span without the blanks (and the form feed) at either end."""
    spans = []
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(rendering)
        text = rendering[start:end]
        stripped = text.strip()
        first = start + (text.index(stripped) if stripped else 0)
        spans.append((first, first + len(stripped)))
    return spans
