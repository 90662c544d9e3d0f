"""YouTube's `json3` captions, as yt-dlp saves them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.times import end_of, time_of
from rag.ingest.timed import Piece


def youtube_json3(events: list[Any]) -> Iterator[Piece]:
    """YouTube's `json3` captions (as yt-dlp saves them): events in milliseconds, their words in
    `segs[].utf8`, each word offset by `tOffsetMs` (automatic captions)."""
    for e, event in enumerate(events):
        segs = event.get("segs") if isinstance(event, dict) else None
        if not isinstance(segs, list):
            continue
        start = time_of(event.get("tStartMs"), 1000.0)
        duration = time_of(event.get("dDurationMs"), 1000.0)
        end = end_of(start, duration)
        words = [(s, seg) for s, seg in enumerate(segs) if isinstance(seg, dict) and isinstance(seg.get("utf8"), str)]
        offsets = [time_of(seg.get("tOffsetMs"), 1000.0) or 0.0 for _, seg in words]
        for (s, seg), offset, following in zip(words, offsets, [*offsets[1:], None], strict=True):
            said = round(start + offset, 3) if start is not None else None
            # A word lasts until the next word of its event starts; the last, until the event ends.
            until = round(start + following, 3) if start is not None and following is not None else end
            yield Piece(seg["utf8"], f"/events/{e}/segs/{s}/utf8", said, until)
