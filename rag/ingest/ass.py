"""Advanced SubStation Alpha and SubStation Alpha subtitles (`.ass`, `.ssa`), as Aegisub and
Subtitle Edit save them and stable-ts writes Whisper's output.

The `[Events]` section's `Format:` line names the fields of each `Dialogue:` line; `Text` is the
last and may hold commas. `Name` (the actor) is the speaker; without one, a `NAME:` mark opening the
text is, as in other captions. `\\N` is a line break, `{...}` blocks are override codes (styling,
karaoke timings) or notes (`{TN: ...}`), never shown, and a line drawn with `{\\p1}` is a vector
drawing, not words. `Comment:` lines are notes. A negative time is 0, and a line that ends before
it starts lasts no time. The `[Script Info]` `Title:` is the title. Each piece points at its line's
text field (`char=a,b`), or at its parts between notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.errors import CorpusError
from rag.ingest.captions import Line, SpeakerTrack, cue_pieces, cue_times, lines_of
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

# What a Dialogue line holds when the file has no Format line of its own (ASS's usual order).
_DEFAULT_FIELDS = ("layer", "start", "end", "style", "name", "marginl", "marginr", "marginv", "effect", "text")
_SECTION = re.compile(r"^\s*\[(?P<name>[^\]]+)\]\s*$")
_FIELD_LINE = re.compile(r"^(?P<key>[A-Za-z][\w ]*?)\s*:\s?(?P<value>.*)$")
_DRAWING = re.compile(r"\{[^}]*\\p[1-9]")
# A `{...}` block that opens with no backslash holds no override code, but a note (fansub scripts'
# `{TN: translator note}`): libass shows no `{...}` block. (Those with codes, `{\\i1}`, are
# markup the caption reader leaves out.)
_NOTE = re.compile(r"\{(?!\\)[^}]*\}")
_UNTITLED = {"", "<untitled>", "default aegisub file"}


class AssReader:
    """SubStation Alpha files (`.ass`, `.ssa`)."""

    name = "ass"
    media_types = {".ass": ("text/x-ass", "text/x-ssa", "text/plain"), ".ssa": ("text/x-ssa", "text/plain")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the Dialogue lines, in file order; the script's title fills what `metadata` leaves open."""
        info: dict[str, str] = {}
        pieces = list(_pieces(doc_id, text, info))
        if not pieces:
            raise CorpusError(f"{doc_id}: no Dialogue lines: not SubStation Alpha subtitles, or an empty "
                              "[Events] section")
        title = info.get("title", "").strip()
        own = Metadata(title=None if title.lower() in _UNTITLED else title)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _pieces(doc_id: str, text: str, info: dict[str, str]) -> Iterator[Piece]:
    """Each Dialogue line's pieces; `info` collects the [Script Info] fields (lower-case keys)."""
    section = ""
    fields = _DEFAULT_FIELDS
    # Labels are judged among the subtitles' words: the `Dialogue:`, `Style:` and `Format:` keys of
    # the file's own lines would make every file look densely labelled.
    track = SpeakerTrack.of([line.split(",", len(_DEFAULT_FIELDS) - 1)[-1] for line in text.splitlines()
                             if line.lstrip().lower().startswith("dialogue:")])
    for line in lines_of(text):
        heading = _SECTION.match(line.text)
        if heading:
            section = heading["name"].strip().lower()
            continue
        entry = _FIELD_LINE.match(line.text)
        if entry is None:
            continue
        key = entry["key"].strip().lower()
        if section == "script info":
            info.setdefault(key, entry["value"])
        elif section == "events" and key == "format":
            fields = tuple(name.strip().lower() for name in entry["value"].split(","))
        elif key == "dialogue":
            yield from _dialogue(doc_id, line, entry.start("value"), fields, track)


def _dialogue(doc_id: str, line: Line, value_at: int, fields: tuple[str, ...], track: SpeakerTrack) -> Iterator[Piece]:
    """The pieces of one `Dialogue:` line whose values start at `value_at` within it."""
    if "text" not in fields:
        raise CorpusError(f"{doc_id}: line {line.number}: the Format line names no Text field")
    values = line.text[value_at:].split(",", len(fields) - 1)
    if len(values) < len(fields):
        raise CorpusError(f"{doc_id}: line {line.number}: a Dialogue line with {len(values)} of its "
                          f"{len(fields)} fields ({', '.join(fields)})")
    named = dict(zip(fields, values, strict=True))
    times = cue_times(named.get("start", "").strip(), named.get("end", "").strip(), f"{doc_id}: line {line.number}")
    words = named["text"]
    if _DRAWING.search(words):
        return
    text_start = line.start + value_at + len(line.text[value_at:]) - len(words)
    speaker = " ".join(named.get("name", "").split()) or None
    payload = _outside_notes(Line(line.number, text_start, line.end, words))
    if payload:
        yield from cue_pieces(payload, times, track, rolling=False, speaker=speaker)


def _outside_notes(text: Line) -> list[Line]:
    """The parts of a text field between its `{...}` notes, each with its own characters, so that a
    piece's source holds its words and no note between them."""
    parts = []
    start = 0
    for note in [*_NOTE.finditer(text.text), None]:
        end = note.start() if note else len(text.text)
        if text.text[start:end].strip():
            parts.append(Line(text.number, text.start + start, text.start + end, text.text[start:end]))
        start = note.end() if note else end
    return parts
