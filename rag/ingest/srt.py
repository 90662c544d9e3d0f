"""SubRip subtitles (`.srt`): numbered cues, `00:00:01,000 --> 00:00:04,000` timings, multi-line text,
speaker changes marked `NAME:`, `[Name]` or `>>` (and `- ` between two speakers in one cue);
`{\\an8}` positioning and `<i>` styling left out."""

from __future__ import annotations

from collections.abc import Iterator

from rag.errors import CorpusError
from rag.ingest.captions import Line, SpeakerTrack, cue_pieces, lines_of, timing
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript


class SrtReader:
    """SubRip files (`.srt`)."""

    name = "srt"
    media_types = {".srt": ("application/x-subrip", "text/srt", "text/plain")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the cues (SRT has no metadata of its own: the sidecar's is used)."""
        return build_transcript(doc_id, self.name, self._pieces(doc_id, text.lstrip("\ufeff")), metadata)

    def _pieces(self, doc_id: str, text: str) -> Iterator[Piece]:
        track = SpeakerTrack()
        for times, payload in _cues(doc_id, lines_of(text)):
            if payload:
                yield from cue_pieces(payload, times, track, rolling=False)


def _cues(doc_id: str, lines: list[Line]) -> Iterator[tuple[tuple[float, float], list[Line]]]:
    """Each cue's timing and text lines. Lenient where real files are sloppy: a cue may follow the
    last without a blank line, and text after a stray blank line belongs to the cue before it.
    The cue number is the number alone on the line before a timing, and is optional."""
    times: tuple[float, float] | None = None
    payload: list[Line] = []
    for index, line in enumerate(lines):
        timed = timing(line, doc_id)
        if timed is not None:
            if payload and _is_cue_number(payload[-1]) and payload[-1] is lines[index - 1]:
                payload.pop()
            if times is not None:
                yield times, payload
            times, payload = timed, []
        elif line.text.strip():
            if times is None and not _is_cue_number(line):
                raise CorpusError(
                    f"{doc_id}: line {line.number}: expected an SRT timing like "
                    f"00:00:01,000 --> 00:00:04,000, got {line.text[:80]!r}"
                )
            if times is not None:
                payload.append(line)
    if times is None:
        raise CorpusError(f"{doc_id}: no SRT cue timing (00:00:01,000 --> 00:00:04,000) in the file")
    yield times, payload


def _is_cue_number(line: Line) -> bool:
    return line.text.strip().isdigit()
