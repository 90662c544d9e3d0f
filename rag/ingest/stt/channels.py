"""Recordings split by channel (a party to a call on each): each channel a speaker, and the pieces
of all channels put in the order they were said."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from rag.ingest.timed import Piece


def in_channel(piece: Piece, channel: str) -> Piece:
    """The piece as said on `channel` (one of several: each a party to the call): its speaker is the
    channel, or the channel's diarized speaker (`Channel 1 Speaker 0`: diarization numbers a
    channel's speakers apart from the others')."""
    return dataclasses.replace(piece, speaker=channel if piece.speaker is None else f"{channel} {piece.speaker}")


def in_time_order(tiers: list[list[Piece]]) -> list[Piece]:
    """The pieces of several tiers (a channel's each) in the order they were said: by start (by end
    where a piece gives no start), the tier listed first first on a tie, each tier's own order kept.
    Punctuation written onto the word before it moves with that word, and a piece without times
    stays right after the piece before it in its tier: two channels' words may overlap, and a mark
    must not land on the other channel's word."""
    groups: list[tuple[float, int, int, list[Piece]]] = []
    for t, pieces in enumerate(tiers):
        last = -math.inf
        for place, piece in enumerate(pieces):
            if piece.attached and groups and groups[-1][1] == t:
                groups[-1][3].append(piece)
                continue
            time = piece.start_time if piece.start_time is not None else piece.end_time
            last = last if time is None else time
            groups.append((last, t, place, [piece]))
    return [piece for *_, group in sorted(groups, key=lambda key: key[:3]) for piece in group]


def channels_named(values: list[Any], first: int) -> dict[Any, str] | None:
    """Each channel value's name (`Channel 1`, ...: integers counted from `first`, strings as written)
    when `values` show two or more channels, else None: one channel names no one."""
    found = {v for v in values if v is not None and not isinstance(v, bool | dict | list)}
    if len(found) < 2:
        return None
    return {v: f"Channel {v - first + 1}" if isinstance(v, int) else str(v) for v in found}
