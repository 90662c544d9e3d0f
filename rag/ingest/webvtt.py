"""WebVTT captions: Teams (`<v Name>` voice tags), Zoom (`Name: words`), YouTube automatic captions
(inline word timings, each line repeated in the next cue), `NOTE`, `STYLE` and `REGION` blocks,
cue identifiers and settings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from rag.errors import CorpusError
from rag.ingest.captions import TIMING_LIKE, Line, SpeakerTrack, cue_pieces, lines_of, tags_joined, timing
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_INLINE_TIME = re.compile(r"<\d+:\d{2}(?::\d{2})?[.,]\d+>")
_NOTE_FIELD = re.compile(r"^(?:NOTE\s+)?(?P<key>[A-Za-z][\w -]{0,30}?)\s*:\s*(?P<value>\S.*)$")
# A cue identifier as tools write them: a number, `cue-2`, a UUID with `/12-0` (Teams); one word
# holding a digit, which a line of speech seldom is.
_ID_LIKE = re.compile(r"^\s*(?=\S*\d)\S+\s*$")
_MEDIA_KEYS = frozenset({"media", "media url", "media_url", "url", "video", "audio", "recording"})


class WebVttReader:
    """WebVTT files (`.vtt`)."""

    name = "webvtt"
    media_types = {".vtt": ("text/vtt", "text/plain")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the cues; the file's `NOTE` metadata fills what `metadata` leaves open."""
        lines = lines_of(text)
        if not lines or not lines[0].text.startswith("WEBVTT"):
            raise CorpusError(f"{doc_id}: line 1: a WebVTT file starts with WEBVTT")
        notes: dict[str, str] = {}
        pieces = list(self._pieces(doc_id, text, lines, notes))
        own = Metadata(
            title=notes.get("title"), date=_iso_date(notes.get("date")),
            media_url=next((v for k, v in notes.items() if k in _MEDIA_KEYS), None),
        )
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))

    def _pieces(self, doc_id: str, text: str, lines: list[Line], notes: dict[str, str]) -> Iterator[Piece]:
        rolling = bool(_INLINE_TIME.search(text))
        cues = [(times, tags_joined(payload, text)) for times, payload in _cues(doc_id, lines, notes)]
        # Only the cues' text counts for how the file labels speakers: not the header's
        # `Kind: captions` (YouTube), the NOTE blocks' `Title: ...`, cue identifiers or timings.
        track = SpeakerTrack.of(line.text for _, payload in cues for line in payload)
        for times, payload in cues:
            yield from cue_pieces(payload, times, track, rolling=rolling)


def _cues(doc_id: str, lines: list[Line], notes: dict[str, str]) -> list[tuple[tuple[float, float], list[Line]]]:
    """Each cue's timing and text lines (cues without text left out), the NOTE blocks' fields read
    into `notes` on the way. Text after a stray blank line belongs to the cue before it."""
    cues: list[tuple[tuple[float, float], list[Line]]] = []
    previous: tuple[float, float] | None = None
    ids = _uses_cue_ids(lines)
    i = _header_end(lines)
    while i < len(lines):
        line = lines[i]
        word = line.text.split(" ", 1)[0].split("\t", 1)[0]
        if not line.text.strip():
            i += 1
        elif word in ("NOTE", "STYLE", "REGION"):
            end = _block_end(lines, i)
            if word == "NOTE":
                _read_note(lines[i:end], notes)
            i = end
        else:
            times = timing(line, doc_id)
            if times is None:
                if i + 1 < len(lines) and (times := timing(lines[i + 1], doc_id)) is not None:
                    i += 1  # a cue identifier
                elif previous is not None:
                    end = _payload_end(lines, i, doc_id, ids=ids)
                    cues.append((previous, lines[i:end]))
                    i = end
                    continue
                else:
                    raise CorpusError(
                        f"{doc_id}: line {line.number}: expected a cue timing like "
                        f"00:00:01.000 --> 00:00:04.000, got {line.text[:80]!r}"
                    )
            payload_end = _payload_end(lines, i + 1, doc_id, ids=ids)
            if payload_end > i + 1:
                cues.append((times, lines[i + 1 : payload_end]))
            i = payload_end
            previous = times
    return cues


def _header_end(lines: list[Line]) -> int:
    """Where the header (the WEBVTT line and what follows it) ends: at the first blank line, or
    before the first timing where no blank line comes first (the first cue is not the header's)."""
    i = 1
    while i < len(lines) and lines[i].text.strip() and not TIMING_LIKE.search(lines[i].text):
        i += 1
    return i


def _uses_cue_ids(lines: list[Line]) -> bool:
    """Whether some cue has an identifier where WebVTT puts one: alone between a blank line and its
    timing."""
    return any(
        "-->" in line.text and index >= 2 and lines[index - 1].text.strip() and "-->" not in lines[index - 1].text
        and not lines[index - 2].text.strip()
        for index, line in enumerate(lines)
    )


def _payload_end(lines: list[Line], i: int, doc_id: str, *, ids: bool) -> int:
    """The index after a cue's last text line, its first at `i`: the text runs to a blank line or
    the next timing (a cue may follow without a blank), and a line right above the next timing is
    that cue's identifier where the file uses identifiers or the line looks like one (`cue-2`, `14`).
    A cue's last line of words in a file without identifiers stays words."""
    while i < len(lines) and lines[i].text.strip() and timing(lines[i], doc_id) is None:
        above_timing = i + 1 < len(lines) and timing(lines[i + 1], doc_id) is not None
        if above_timing and (ids or _ID_LIKE.match(lines[i].text)):
            break
        i += 1
    return i


def _block_end(lines: list[Line], i: int) -> int:
    # The index of the first blank line from `i` on (or the end).
    while i < len(lines) and lines[i].text.strip():
        i += 1
    return i


def _read_note(block: list[Line], notes: dict[str, str]) -> None:
    for line in block:
        match = _NOTE_FIELD.match(line.text.strip())
        if match:
            notes.setdefault(match["key"].strip().lower(), match["value"].strip())


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return None
