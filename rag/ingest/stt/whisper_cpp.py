"""whisper.cpp's `--output-json`. (Whisper's and WhisperX's own `segments` are a list of timed
items: `timed_lists`.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def whisper_cpp(transcription: list[Any]) -> Iterator[Piece]:
    """whisper.cpp's `--output-json`: segments with `offsets` in milliseconds; with `-di` (stereo
    diarization) a `speaker` on each, `0` or `1` (the louder channel; `?` when neither is), and with
    tinydiarize (`-tdrz`) `speaker_turn_next: true` where the next segment is another speaker's."""
    turn_next = False
    for i, segment in enumerate(transcription):
        if isinstance(segment, dict) and isinstance(segment.get("text"), str):
            offsets = segment.get("offsets") if isinstance(segment.get("offsets"), dict) else {}
            yield Piece(segment["text"], f"/transcription/{i}/text", time_of(offsets.get("from"), 1000.0),
                        time_of(offsets.get("to"), 1000.0), speaker_label(segment.get("speaker")), new_turn=turn_next)
            turn_next = segment.get("speaker_turn_next") is True
