"""Sentence boundaries as exact spans into the source text (no text is rewritten)."""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt no nos vs etc e.g i.e u.s u.k u.n a.m p.m hon rt gen col lt sgt "
    "capt cmdr gov sen rep pres dept inc ltd co corp jan feb mar apr jun jul aug sep sept oct nov dec "
    "fig approx est vol ed eds op cf al".split()
)
# A terminator, then optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?。！？…]+[\"'”’)\]]*(?=\s)|[。！？]+")
_LINE_BREAK = re.compile(r"\n\s*")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split `text[start:end]` into sentences; returns trimmed `(start, end)` offsets into `text`.

    Paragraph breaks always end a sentence, so a span never crosses a blank line.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for line_start, line_end in _lines(text, start, end):
        cursor = line_start
        for match in _BOUNDARY.finditer(text, line_start, line_end):
            if not _ends_sentence(text, match, line_start, line_end):
                continue
            _append_trimmed(text, cursor, match.end(), spans)
            cursor = match.end()
        _append_trimmed(text, cursor, line_end, spans)
    return spans


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces = []
    cursor = start
    for match in _LINE_BREAK.finditer(text, start, end):
        pieces.append((cursor, match.start()))
        cursor = match.end()
    pieces.append((cursor, end))
    return pieces


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
    # A lower-case continuation means the stop was not the end ("approx. two", "No. 5").
    return not following or not following[0].islower()


def _append_trimmed(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))
