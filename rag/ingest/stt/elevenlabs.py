"""ElevenLabs' multichannel response: a `transcripts` entry per channel. (Its single-channel
`words` are a list of timed items: `timed_lists`.)"""

from __future__ import annotations

import dataclasses
from typing import Any

from rag.ingest.stt.channels import in_time_order
from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.timed_lists import timed_words
from rag.ingest.stt.times import time_unit
from rag.ingest.timed import Piece


def has_channel_transcripts(items: Any) -> bool:
    """Whether `items` is ElevenLabs' multichannel `transcripts` (one per channel, each with its `words`)."""
    return isinstance(items, list) and any(isinstance(item, dict) and isinstance(item.get("words"), list)
                                           for item in items)


def elevenlabs_channels(transcripts: list[Any]) -> list[Piece]:
    """ElevenLabs' multichannel response: a transcript per channel (`channel_index`, from 0), its words
    each the channel's speaker's (`speaker_0` for channel 0, as ElevenLabs names them; `Channel 1` and
    on where a word names none); the words of all channels in the order they were said."""
    tiers = []
    for t, transcript in enumerate(transcripts):
        if not isinstance(transcript, dict):
            continue
        index = transcript.get("channel_index")
        channel = f"Channel {(index if isinstance(index, int) and not isinstance(index, bool) else t) + 1}"
        where = f"/transcripts/{t}/words"
        words = as_list(transcript.get("words"), where, "a list of words")
        pieces = list(timed_words(words, where, time_unit(words)))
        if not any(piece.text.strip() for piece in pieces) and isinstance(transcript.get("text"), str):
            pieces = [Piece(transcript["text"], f"/transcripts/{t}/text", None, None)]
        tiers.append([piece if piece.speaker else dataclasses.replace(piece, speaker=channel) for piece in pieces])
    return in_time_order(tiers)
