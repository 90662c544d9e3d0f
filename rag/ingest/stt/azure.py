"""Microsoft Azure speech: batch transcription's `recognizedPhrases`, fast transcription's `phrases`,
and the Speech SDK's detailed results saved as a list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.channels import channels_named, in_channel, in_time_order
from rag.ingest.stt.fields import first_of
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import end_of, time_of
from rag.ingest.timed import Piece


def azure_fast(phrases: list[Any]) -> Iterator[Piece]:
    """Azure fast transcription: `phrases` with `offset`/`duration` (or `offsetMilliseconds`/
    `durationMilliseconds`) in milliseconds, and a `speaker` when diarized."""
    for i, phrase in enumerate(phrases):
        if not isinstance(phrase, dict) or not isinstance(phrase.get("text"), str):
            continue
        offset = time_of(first_of(phrase, "offsetMilliseconds", "offset"), 1000.0)
        duration = time_of(first_of(phrase, "durationMilliseconds", "duration"), 1000.0)
        end = end_of(offset, duration)
        yield Piece(phrase["text"], f"/phrases/{i}/text", offset, end, speaker_label(phrase.get("speaker")))


def azure_sdk(results: list[Any]) -> Iterator[Piece]:
    """The Azure Speech SDK's detailed results saved as a list: `Offset`/`Duration` in 100 ns ticks,
    `SpeakerId`, the best `NBest` entry's `Display` (else `DisplayText`)."""
    for i, result in enumerate(results):
        if not isinstance(result, dict):
            continue
        best = result.get("NBest")
        if isinstance(best, list) and best and isinstance(best[0], dict) and isinstance(best[0].get("Display"), str):
            text, pointer = best[0]["Display"], f"/{i}/NBest/0/Display"
        elif isinstance(result.get("DisplayText"), str):
            text, pointer = result["DisplayText"], f"/{i}/DisplayText"
        else:
            continue
        offset, duration = time_of(result.get("Offset"), 1e7), time_of(result.get("Duration"), 1e7)
        end = end_of(offset, duration)
        yield Piece(text, pointer, offset, end, speaker_label(result.get("SpeakerId")))


def azure_batch(phrases: list[Any]) -> list[Piece]:
    """Azure batch transcription: each recognised phrase's best display text; times in 100 ns ticks.
    With several channels (`channel`, from 0) each channel is a speaker where the phrase names none,
    `Channel 1` and on, and the phrases of all go in the order they were said."""
    channels = channels_named([phrase.get("channel") for phrase in phrases if isinstance(phrase, dict)], 0)
    pieces = []
    for i, phrase in enumerate(phrases):
        best = phrase.get("nBest") if isinstance(phrase, dict) else None
        if not isinstance(best, list) or not best or not isinstance(best[0], dict):
            continue
        if not isinstance(best[0].get("display"), str):
            continue
        start = time_of(phrase.get("offsetInTicks"), 1e7)
        duration = time_of(phrase.get("durationInTicks"), 1e7)
        end = end_of(start, duration)
        piece = Piece(best[0]["display"], f"/recognizedPhrases/{i}/nBest/0/display", start, end,
                      speaker_label(phrase.get("speaker")))
        channel = channels.get(phrase.get("channel")) if channels else None
        pieces.append(in_channel(piece, channel) if channel else piece)
    return in_time_order([pieces]) if channels else pieces
