"""SubRip subtitles (`.srt`): numbered cues, `00:00:01,000 --> 00:00:04,000` timings, multi-line text,
speaker changes marked `NAME:`, `[Name]` or `>>` (and `- ` between two speakers in one cue);
`{\\an8}` positioning and `<i>` styling left out. SubViewer (`.sbv`, YouTube's caption download)
is the same blocks with `0:00:01.000,0:00:04.000` timings and no numbers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rag.errors import CorpusError
from rag.ingest.captions import TIMING, Line, SpeakerTrack, cue_pieces, lines_of, tags_joined, timing
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript


class SrtReader:
    """SubRip files (`.srt`)."""

    name = "srt"
    media_types = {".srt": ("application/x-subrip", "text/srt", "text/plain")}
    suffixes = tuple(media_types)

    timing_line: re.Pattern[str] = TIMING
    """What a cue's timing line looks like (its `start` and `end` named)."""
    example = "00:00:01,000 --> 00:00:04,000"
    """A timing line as the error messages show it."""

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the cues (no metadata of their own: the sidecar's is used)."""
        return build_transcript(doc_id, self.name, self._pieces(doc_id, text), metadata)

    def _pieces(self, doc_id: str, text: str) -> Iterator[Piece]:
        cues = [(times, tags_joined(payload, text))
                for times, payload in _cues(doc_id, lines_of(text), self.timing_line, self.example)]
        track = SpeakerTrack.of(line.text for _, payload in cues for line in payload)
        for times, payload in cues:
            if payload:
                yield from cue_pieces(payload, times, track, rolling=False)


_SBV_TIME = r"\d+:\d{1,2}:\d{1,2}(?:\.\d{1,3})?"
_SBV_TIMING = re.compile(rf"^\s*(?P<start>{_SBV_TIME}),(?P<end>{_SBV_TIME})\s*$")


class SbvReader(SrtReader):
    """SubViewer files (`.sbv`): SubRip's blocks with `0:00:01.000,0:00:04.000` timings."""

    name = "sbv"
    media_types = {".sbv": ("text/plain",)}
    suffixes = tuple(media_types)
    timing_line = _SBV_TIMING
    example = "0:00:01.000,0:00:04.000"


def _cues(
    doc_id: str, lines: list[Line], timing_line: re.Pattern[str], example: str
) -> Iterator[tuple[tuple[float, float], list[Line]]]:
    """Each cue's timing and text lines. Lenient where real files are sloppy: a cue may follow the
    last without a blank line, and text after a stray blank line belongs to the cue before it.
    The cue number is the number alone on the line before a timing, and is optional; blank lines
    may come between them where the number is the one after the last cue's (`\r\r\n` line ends, as
    a Windows program writing `\r\n` in text mode leaves them, read as a blank after every line)."""
    times: tuple[float, float] | None = None
    payload: list[Line] = []
    number: int | None = None  # the last cue's number
    for index, line in enumerate(lines):
        timed = timing(line, doc_id, timing_line, example)
        if timed is not None:
            if payload and _numbers_next_cue(payload[-1], payload[-1] is lines[index - 1], number):
                number = _cue_number(payload.pop())
            if times is not None:
                yield times, payload
            times, payload = timed, []
        elif line.text.strip():
            if times is not None:
                payload.append(line)
            elif (first := _cue_number(line)) is not None:
                number = first
            else:
                raise CorpusError(
                    f"{doc_id}: line {line.number}: expected a cue timing like {example}, got {line.text[:80]!r}"
                )
    if times is None:
        raise CorpusError(f"{doc_id}: no cue timing ({example}) in the file")
    yield times, payload


_CUE_NUMBER_DIGITS = 9


def _cue_number(line: Line) -> int | None:
    text = line.text.strip()
    # A cue number is short: a line of thousands of digits is words (int() refuses past 4300 digits).
    return int(text) if text.isdecimal() and len(text) <= _CUE_NUMBER_DIGITS else None


def _numbers_next_cue(line: Line, adjacent: bool, last: int | None) -> bool:
    """Whether the last text line before a timing is that cue's number: a number right above it,
    or, with blank lines between, the number after the last cue's ("1984" said alone stays words)."""
    number = _cue_number(line)
    if number is None:
        return False
    return adjacent or last is not None and number == last + 1
