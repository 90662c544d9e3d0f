"""Sentence boundaries as exact spans into the source text (no text is rewritten)."""

from __future__ import annotations

import re

from rag.ingest.inline_times import after_stamp, before_stamp

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt no nos vs etc e.g i.e u.s u.k u.n a.m p.m hon rt gen col lt sgt "
    "capt cmdr gov sen rep pres dept inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec "
    "fig approx est vol ed eds op cf al".split()
)
# A terminator, then optional closing quotes/brackets, then whitespace: besides Latin's, the
# Devanagari danda (Hindi, Marathi, Nepali), Arabic's question mark and Urdu's full stop; the
# Chinese and Japanese ones end a sentence with no space after them. French sets its closing
# guillemet off with a space.
_BOUNDARY = re.compile(r"[.!?。！？…।॥؟۔]+(?:[\"'”’»)\]」』]|[ \u00a0\u202f]»)*(?=\s)|[。！？]+[」』”’）]*")
_LINE_BREAK = re.compile(r"\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
# Columns that fixed-width wrapping uses (72, 80...); web paragraphs run far longer.
_MIN_COLUMN, _MAX_COLUMN = 40, 120
# A line this full (with the next word) was broken by the wrap, not by its writer.
_FULL = 0.85


def sentence_spans(text: str, start: int = 0, end: int | None = None, column: int | None = None) -> list[tuple[int, int]]:
    """Split `text[start:end]` into sentences; returns trimmed `(start, end)` offsets into `text`.

    Paragraph breaks always end a sentence, so a span never crosses a blank line. A single line
    break ends one too, unless `text` is hard-wrapped at `column` (`wrap_column`) and the break
    is a wrap.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    lines = _lines(text, start, end)
    for line_start, line_end in _unwrapped(text, lines, column) if column else lines:
        cursor = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            if not _ends_sentence(text, match, line_start, line_end):
                continue
            _append_trimmed(text, cursor, match.end(), spans)
            cursor = match.end()
        _append_trimmed(text, cursor, line_end, spans)
    return spans


def wrap_column(text: str) -> int | None:
    """The column `text` is hard-wrapped at, or None when its lines are paragraphs.

    On the web a line is a paragraph, and a line without a full stop is a heading or a label.
    Court transcripts, the Congressional Record and `<pre>` pages wrap at a column instead, and
    there a line break says nothing. A wrap breaks a line only where the next word would not
    have fitted, so a text reads as wrapped when its lines are at most 40-120 characters long
    (the 90th percentile: a long heading does not move the column) and at least half the
    single line breaks between its lines come after a line that full (`_break`).
    """
    lines = _lines(text, 0, len(text))
    widths = sorted(_width(text, line) for line in lines)
    if len(lines) < 3:
        return None
    column = widths[(len(widths) - 1) * 9 // 10]
    if not _MIN_COLUMN <= column <= _MAX_COLUMN:
        return None
    breaks = [_break(text, line, following, column) for line, following in zip(lines, lines[1:])]
    single = [wrap for wrap in breaks if wrap is not None]
    return column if single and 2 * sum(single) >= len(single) else None


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    cursor = start
    for match in _LINE_BREAK.finditer(text, start, end):
        pieces.append((cursor, match.start()))
        cursor = match.end()
    pieces.append((cursor, end))
    return pieces


def _unwrapped(text: str, lines: list[tuple[int, int]], column: int) -> list[tuple[int, int]]:
    """The lines, each that a wrap at `column` broke joined to the line it continues."""
    runs = [lines[0]]
    for line, following in zip(lines, lines[1:]):
        runs[-1:] = [(runs[-1][0], following[1])] if _break(text, line, following, column) else [runs[-1], following]
    return runs


def _width(text: str, line: tuple[int, int]) -> int:
    # From the start of the file's line: a label or an indent before the span counts.
    return line[1] - (text.rfind("\n", 0, line[1]) + 1)


def _break(text: str, line: tuple[int, int], following: tuple[int, int], column: int) -> bool | None:
    """Whether a wrap at `column` made this break (the next word would not have fitted, give or
    take: wrapping is not always tight, and a column read off the longest lines errs); None
    for a paragraph break (a blank line) or an empty line, which are never wraps."""
    words = text[following[0] : following[1]].split(None, 1)
    if text.count("\n", line[1], following[0]) != 1 or not words or line[0] == line[1]:
        return None
    return _width(text, line) + 1 + len(words[0]) > _FULL * column


def _ends_sentence(text: str, match: re.Match[str], line_start: int, line_end: int) -> bool:
    mark = match.group(0)
    if not mark.startswith("."):
        return True
    before = _WORD_BEFORE.search(text, line_start, match.start() + 1)
    if before and before.group(1).lower() in _ABBREVIATIONS:
        return False
    # "U.S." style initials and decimals ("3.5") never end a sentence.
    if before and re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]?", before.group(1)):
        return False
    following = text[match.end():line_end].lstrip()
    # A lower-case continuation means the stop was not the end ("approx. two"); so does a
    # number after a single letter (a bill, "S. 208"; a page, "p. 12").
    if following and before and len(before.group(1)) == 1 and following[0].isdigit():
        return False
    return not following or not following[0].islower()


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    start = after_stamp(text, start, end)
    end = before_stamp(text, start, end)
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
