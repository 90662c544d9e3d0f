"""Google Cloud Speech-to-Text: `results[].alternatives[]`, v1 and v2, diarized or by channel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.channels import channels_named, in_time_order
from rag.ingest.stt.fields import first_of
from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def google(results: list[Any], pointer: str) -> list[Piece]:
    """Google Cloud Speech-to-Text: each result's best transcript, timed by its words when it has them,
    else from where the channel's result before it ended (the recording's start for the first) to
    its `resultEndTime` (v1) or `resultEndOffset` (v2). With diarization the last result's
    words are every word of the file, each with its `speakerTag` (Google's documented shape): those
    words, then, and not the transcripts, which say them again. With several channels
    (`channelTag`, from 1) each channel is a speaker, `Channel 1` and on, and the results of all go
    in the order they were said."""
    bests = [_google_best(result) for result in results]
    tagged = _google_diarized(bests)
    if tagged is not None:
        return list(_google_words(bests[tagged]["words"], f"{pointer}/{tagged}/alternatives/0/words"))
    channels = channels_named([r.get("channelTag") for r in results if isinstance(r, dict)], 1)
    pieces = []
    ended: dict[Any, float] = {}  # where each channel's last result ended: a result without words starts there
    for i, (result, best) in enumerate(zip(results, bests, strict=True)):
        if best is None or not isinstance(best.get("transcript"), str):
            continue
        where = f"{pointer}/{i}/alternatives/0/words"
        words = [w for w in as_list(best.get("words"), where, "a list of words") if isinstance(w, dict)]
        channel = result.get("channelTag")
        start = (time_of(words[0].get("startTime", words[0].get("startOffset"))) if words
                 else ended.get(channel, 0.0))
        end = time_of(words[-1].get("endTime", words[-1].get("endOffset")) if words
                    else first_of(result, "resultEndTime", "resultEndOffset"))
        if end is not None:
            ended[channel] = end
        speaker = channels.get(channel) if channels else None
        pieces.append(Piece(best["transcript"], f"{pointer}/{i}/alternatives/0/transcript", start, end, speaker))
    return in_time_order([pieces]) if channels else pieces


def _google_best(result: Any) -> dict[str, Any] | None:
    """A Google result's best alternative."""
    alternatives = result.get("alternatives") if isinstance(result, dict) else None
    best = alternatives[0] if isinstance(alternatives, list) and alternatives else None
    return best if isinstance(best, dict) else None


def _google_diarized(bests: list[dict[str, Any] | None]) -> int | None:
    """Which result holds every word with its speaker: the last with words, when they carry speaker
    tags and are at least as many as all the other results' words together."""
    counts = [len(best["words"]) if best and isinstance(best.get("words"), list) else 0 for best in bests]
    last = max((i for i, count in enumerate(counts) if count), default=None)
    if last is None or 2 * counts[last] < sum(counts):
        return None
    words = bests[last]["words"]
    tagged = any(isinstance(w, dict) and first_of(w, "speakerTag", "speakerLabel") for w in words)
    return last if tagged else None


def _google_words(words: list[Any], pointer: str) -> Iterator[Piece]:
    """Google's diarized words, each with its speaker (`speakerTag` from 1, 0 for none; v2's `speakerLabel`)."""
    for w, word in enumerate(words):
        if isinstance(word, dict) and isinstance(word.get("word"), str):
            speaker = first_of(word, "speakerLabel", "speakerTag") or None
            yield Piece(word["word"], f"{pointer}/{w}/word", time_of(word.get("startTime", word.get("startOffset"))),
                        time_of(word.get("endTime", word.get("endOffset"))), speaker_label(speaker))
