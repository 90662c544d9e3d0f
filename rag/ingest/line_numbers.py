"""Line-numbered transcripts: court, deposition and hearing transcripts (`14   SENATOR MURPHY: ...`).

Court reporters number the lines of each page (1 to 25, then 1 again) or of the whole
document. The numbers are nobody's words, and they stand where a speaker label would start a
line, so the reader gives such a file a canonical text of its own: its numbered lines with
their numbers removed, each a segment pointing at its characters in the file (docs/formats.md).
Lines without a number are the page's furniture (`Page 14`, the reporter's name) and are left
out, so a turn runs on across a page break. The blanks after a number stay: they keep the page's columns, by which
hard-wrapped lines are told from paragraphs (`rag.chunking.sentences.wrap_column`).
"""

from __future__ import annotations

import re

from rag.types import Segment

_NUMBER = re.compile(r"[ \t]*(\d{1,4})(?=[ \t]|$)")
# A numbered file has numbers on most of its lines, and enough of them to tell.
_MIN_NUMBERED_LINES = 10
_MIN_NUMBERED_SHARE = 0.6
# Most numbers follow the one before (or start a page at 1): a page of figures does not.
_MIN_IN_SEQUENCE = 0.8


def strip_line_numbers(text: str) -> tuple[str, list[Segment]] | None:
    """The canonical text and its segments when `text` is line-numbered; None when it is not."""
    lines = _lines(text)
    numbers = [(start, match) for start, line in lines if (match := _NUMBER.match(line))]
    filled = sum(bool(line.strip()) for _, line in lines)
    if len(numbers) < _MIN_NUMBERED_LINES or len(numbers) < _MIN_NUMBERED_SHARE * filled:
        return None
    values = [int(match.group(1)) for _, match in numbers]
    in_sequence = sum(after in (before + 1, 1) for before, after in zip(values, values[1:]))
    if in_sequence < _MIN_IN_SEQUENCE * (len(values) - 1):
        return None
    numbered_at = {start: match.end() for start, match in numbers}
    parts: list[str] = []
    segments: list[Segment] = []
    length = 0
    for start, line in lines:
        if start not in numbered_at:
            continue
        keep_from = numbered_at[start]
        kept = line[keep_from:]
        if kept.strip():
            indent = len(kept) - len(kept.lstrip())
            segments.append(Segment(length + indent, length + len(kept),
                                    f"char={start + keep_from + indent},{start + len(line)}", None, None))
        parts.append(kept + "\n")
        length += len(kept) + 1
    return "".join(parts), segments


def _lines(text: str) -> list[tuple[int, str]]:
    """Each line of `text` with where it starts, without its newline."""
    lines = []
    start = 0
    for line in text.split("\n"):
        lines.append((start, line))
        start += len(line) + 1
    return lines
