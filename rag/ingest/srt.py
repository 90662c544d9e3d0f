"""SubRip subtitles (`.srt`): numbered cues, `00:00:01,000 --> 00:00:04,000` timings, multi-line text,
speaker changes marked `NAME:`, `[Name]` or `>>` (and `- ` between two speakers in one cue)."""

from __future__ import annotations

from collections.abc import Iterator

from rag.errors import CorpusError
from rag.ingest.captions import SpeakerTrack, blocks, cue_pieces, lines_of, timing
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
        for block in blocks(lines_of(text)):
            # The cue number is optional in practice; the timing line is not.
            offset = 1 if len(block) > 1 and block[0].text.strip().isdigit() else 0
            times = timing(block[offset], doc_id)
            if times is None:
                raise CorpusError(
                    f"{doc_id}: line {block[offset].number}: expected an SRT timing like "
                    f"00:00:01,000 --> 00:00:04,000, got {block[offset].text[:80]!r}"
                )
            payload = block[offset + 1 :]
            if not payload:
                continue
            yield from cue_pieces(payload, times, track, rolling=False)
