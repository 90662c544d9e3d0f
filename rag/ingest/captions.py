"""What WebVTT and SRT share: cue timings, markup in cue text, and speaker marks at a cue's start."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from rag.errors import CorpusError
from rag.ingest.labels import is_name_like
from rag.ingest.timed import Piece

# Lenient on purpose: Teams writes `0:0:0.210`, SRT uses a comma, some tools drop the hours.
_TIMESTAMP = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
TIMING = re.compile(rf"^\s*(?P<start>{_TIMESTAMP})\s*-->\s*(?P<end>{_TIMESTAMP})(?P<settings>.*)$")
# HTML-like tags (`<i>`, `<v Name>`, `<00:01.000>`), and the override codes SubRip files carry
# over from ASS subtitles (`{\\an8}`: top of the screen).
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
# A line break inside a caption (`<br>` in SubRip files, `<br/>` in TTML, `\N` in SubStation Alpha
# and in SubRip converted from it, `\h` its hard space) separates words.
_BREAK = re.compile(r"<br\s*/?>|\\[Nnh]", re.IGNORECASE)
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+(?P<name>[^>]+)>")
# `[Name]`, `[Name]:`, `(Name):` at the start of a cue: diarized SRT, some caption services.
_BRACKETED = re.compile(r"^\s*[\[(](?P<name>[^\])\n]{1,60})[\])]\s*:?\s*")
# `Name: words` as Zoom writes it, or `NAME:` after a `>>`.
_LABELLED = re.compile(r"^\s*(?P<name>[^:\n]{1,60}?)\s*:\s+(?=\S)")
# `>>` (or `>>>`) marks a new speaker in broadcast captions; `- ` does in subtitles.
_CHANGE = re.compile(r"^\s*(?:>{2,}|-\s)\s*")


class Line(NamedTuple):
    """A line of a caption file, with its place (characters) in the file and its number (from 1).

    A named tuple: files have tens of thousands of lines, and a tuple is built four times faster
    than a frozen dataclass."""

    number: int
    start: int
    end: int
    text: str


def lines_of(text: str) -> list[Line]:
    """The file's lines (any newline convention), each with its character range. A byte-order
    mark is not part of the first line's text, but counts in the ranges, as it does in the file."""
    found = []
    position = 0
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        content = raw.rstrip("\r\n")
        skipped = 1 if number == 1 and content.startswith("\ufeff") else 0
        found.append(Line(number, position + skipped, position + len(content), content[skipped:]))
        position += len(raw)
    return found


def seconds(stamp: str, where: str) -> float:
    """`01:02:03.450`, `2:03,4` or `0:0:0.210` as seconds."""
    parts = stamp.replace(",", ".").split(":")
    try:
        value = 0.0
        for part in parts:
            value = value * 60 + float(part)
    except ValueError:
        raise CorpusError(f"{where}: {stamp!r} is not a time like 00:01:02.345") from None
    return round(value, 3)


def timing(line: Line, doc_id: str, pattern: re.Pattern[str] = TIMING) -> tuple[float, float] | None:
    """The (start, end) seconds of a cue timing line (`pattern` names its `start` and `end`);
    None when the line is not one."""
    match = pattern.match(line.text)
    if not match:
        return None
    where = f"{doc_id}: line {line.number}"
    start, end = seconds(match["start"], where), seconds(match["end"], where)
    if end < start:
        raise CorpusError(f"{where}: the cue ends ({match['end']}) before it starts ({match['start']})")
    return start, end


def plain(text: str) -> str:
    """Cue text without markup: line breaks made spaces, tags (voice, class, timestamps) removed,
    entities decoded."""
    return html.unescape(_TAG.sub("", _BREAK.sub(" ", text))).replace("\u200e", "").replace("\u200f", "")


def voice(text: str) -> str | None:
    """The speaker of a `<v Name>` voice tag in the cue text, if it has one."""
    match = _VOICE.search(text)
    return " ".join(match["name"].split()) if match else None


@dataclass(frozen=True)
class Marked:
    """A cue line with its speaker mark taken off."""

    text: str
    speaker: str | None
    new_turn: bool


def speaker_mark(line: str) -> Marked:
    """Split a speaker mark off the start of a cue line: `[Name]:`, `Name: `, `>> NAME:`, `- `."""
    change = _CHANGE.match(line)
    rest = line[change.end() :] if change else line
    bracketed = _BRACKETED.match(rest)
    if bracketed and _is_bracketed_name(bracketed["name"]):
        return Marked(rest[bracketed.end() :], bracketed["name"].strip(), True)
    labelled = _LABELLED.match(rest)
    if labelled and _is_label(labelled["name"]):
        return Marked(rest[labelled.end() :], labelled["name"].strip(), True)
    return Marked(rest, None, bool(change))


# Cached: a file repeats its few speaker labels on every cue.
@functools.lru_cache(maxsize=4096)
def _is_label(name: str) -> bool:
    # "Note: ..." or "Example: ..." would be name-like too; a label has at most four words.
    return is_name_like(name) and len(name.split()) <= 4


@functools.lru_cache(maxsize=4096)
def _is_bracketed_name(name: str) -> bool:
    # Diarization labels (`SPEAKER_01`) count as names.
    return is_name_like(name.replace("_", " ").strip())


@dataclass
class SpeakerTrack:
    """Carried from cue to cue: who is speaking, and the last caption line (rolling captions repeat it)."""

    speaker: str | None = None
    last_line: str = field(default="", repr=False)


def cue_pieces(payload: list[Line], times: tuple[float, float], track: SpeakerTrack, *, rolling: bool,
               speaker: str | None = None) -> Iterator[Piece]:
    """The pieces of one cue's text lines: `speaker` (a field of the cue's own, as SubStation Alpha's
    Name) or a voice tag names the speaker of the whole cue, else a line's own mark (`Name:`,
    `[Name]`, `>>`) does, else the speaker carries over from before. With `rolling`, a line that
    repeats the previous caption line is dropped."""
    source = f"char={payload[0].start},{payload[-1].end}"
    tagged = speaker or voice(" ".join(line.text for line in payload))
    for content in (" ".join(plain(line.text).split()) for line in payload):
        if not content or (rolling and content == track.last_line):
            continue
        track.last_line = content
        mark = speaker_mark(content)
        if tagged is not None:
            track.speaker = tagged
        elif mark.speaker is not None or mark.new_turn:
            track.speaker = mark.speaker
        # A named mark changes the turn only when the name changes; a bare `>>` always does.
        unnamed_change = mark.new_turn and mark.speaker is None and tagged is None
        yield Piece(mark.text, source, times[0], times[1], track.speaker, unnamed_change)
