"""IBM Watson Speech to Text: `results[].alternatives[].timestamps`, speakers in `speaker_labels`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def has_word_timestamps(result: dict[str, Any]) -> bool:
    """Whether a result's best alternative has IBM Watson's `[word, start, end]` timestamps."""
    alternatives = result.get("alternatives")
    return bool(alternatives) and isinstance(alternatives[0], dict) and isinstance(alternatives[0].get("timestamps"), list)


def watson(results: list[Any], speaker_labels: Any) -> Iterator[Piece]:
    """IBM Watson Speech to Text: each word of the best alternative with its `[word, start, end]`
    timestamp, its speaker from `speaker_labels` (matched by start time); `%HESITATION` (Watson's
    mark for "uh") is no word."""
    labels = as_list(speaker_labels, "/speaker_labels", "a list of speaker labels")
    speakers = {_watson_key(label["from"]): label.get("speaker") for label in labels
                if isinstance(label, dict) and isinstance(label.get("from"), int | float)}
    for i, result in enumerate(results):
        if not isinstance(result, dict) or not has_word_timestamps(result):
            continue
        for w, stamp in enumerate(result["alternatives"][0]["timestamps"]):
            if not (isinstance(stamp, list) and len(stamp) == 3 and isinstance(stamp[0], str)):
                continue
            word, start, end = stamp
            if word.startswith("%"):
                continue
            speaker = speakers.get(_watson_key(start)) if isinstance(start, int | float) else None
            yield Piece(word, f"/results/{i}/alternatives/0/timestamps/{w}/0", time_of(start), time_of(end),
                        speaker_label(speaker))


def _watson_key(time: float) -> float | None:
    """A Watson time as its words and its speaker labels are matched by it (to the hundredth)."""
    said = time_of(time)
    return None if said is None else round(said, 2)
