"""Speechmatics' JSON: typed word and punctuation items under `results`. (Its v1 `words` are a list
of timed items: `timed_lists`.)"""

from __future__ import annotations

from typing import Any

from rag.ingest.stt.channels import channels_named, in_time_order
from rag.ingest.stt.fields import first_content
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def speechmatics(results: list[Any]) -> list[Piece]:
    """Speechmatics JSON: one item per word or punctuation mark, the speaker on its best alternative.
    A mark attaches to the word before it (`previous`, the default), after it (`next`: "*great")
    or both ("for-sure"). With channel diarization each item's `channel` (`Channel 1`, or the label
    the job gave it) is its speaker, or holds its speakers (`Agent S1`), and the items of all channels
    go in the order they were said."""
    channels = channels_named([item.get("channel") for item in results if isinstance(item, dict)], 1)
    pieces = []
    joins_next = False
    for i, item in enumerate(results):
        content = first_content(item)
        if content is None:
            continue
        speaker = item["alternatives"][0].get("speaker")
        speaker = None if speaker == "UU" else speaker_label(speaker)
        channel = speaker_label(item.get("channel")) if not isinstance(item.get("channel"), dict | list) else None
        if channel is not None:
            speaker = f"{channel} {speaker}" if speaker is not None and channels else speaker or channel
        attaches = item.get("attaches_to", "previous") if item.get("type") == "punctuation" else None
        pieces.append(Piece(content, f"/results/{i}/alternatives/0/content", time_of(item.get("start_time")),
                            time_of(item.get("end_time")), speaker,
                            attached=joins_next or attaches in ("previous", "both")))
        joins_next = attaches in ("next", "both")
    return in_time_order([pieces]) if channels else pieces
