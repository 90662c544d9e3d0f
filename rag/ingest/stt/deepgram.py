"""Deepgram: the prerecorded response's `results.channels`, and the live stream's `Results` messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.channels import in_channel, in_time_order
from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def deepgram(channels: list[Any]) -> list[Piece]:
    """Deepgram's prerecorded response: each channel's best alternative. With several channels
    (`multichannel=true`: a recording with each party on a channel of its own) each channel is a
    speaker, `Channel 1` and on (its diarized speakers `Channel 1 Speaker 0` and on), and the words
    of all go in the order they were said."""
    tiers = [list(deepgram_channel(channel, f"/results/channels/{c}")) if isinstance(channel, dict) else []
             for c, channel in enumerate(channels)]
    if len(tiers) < 2:
        return tiers[0] if tiers else []
    return in_time_order([[in_channel(piece, f"Channel {c + 1}") for piece in tier] for c, tier in enumerate(tiers)])


def deepgram_channel(channel: dict[str, Any], pointer: str) -> Iterator[Piece]:
    """One Deepgram channel's best alternative: its paragraphs' sentences, else its words, else its transcript."""
    alternatives = as_list(channel.get("alternatives"), f"{pointer}/alternatives", "a list of alternatives")
    if not alternatives or not isinstance(alternatives[0], dict):
        return
    best = alternatives[0]
    base = f"{pointer}/alternatives/0"
    paragraphs = (best.get("paragraphs") or {}).get("paragraphs") if isinstance(best.get("paragraphs"), dict) else None
    paragraphs = as_list(paragraphs, f"{base}/paragraphs/paragraphs", "a list of paragraphs")
    if paragraphs:
        for p, paragraph in enumerate(paragraphs):
            if not isinstance(paragraph, dict):
                continue
            speaker = speaker_label(paragraph.get("speaker"))
            where = f"{base}/paragraphs/paragraphs/{p}/sentences"
            for s, sentence in enumerate(as_list(paragraph.get("sentences"), where, "a list of sentences")):
                if isinstance(sentence, dict) and isinstance(sentence.get("text"), str):
                    yield Piece(sentence["text"], f"{where}/{s}/text", time_of(sentence.get("start")),
                                time_of(sentence.get("end")), speaker)
    elif best.get("words"):
        for w, word in enumerate(as_list(best["words"], f"{base}/words", "a list of words")):
            if isinstance(word, dict):
                key = "punctuated_word" if isinstance(word.get("punctuated_word"), str) else "word"
                yield Piece(str(word.get(key, "")), f"{base}/words/{w}/{key}", time_of(word.get("start")),
                            time_of(word.get("end")), speaker_label(word.get("speaker")))
    elif isinstance(best.get("transcript"), str):
        yield Piece(best["transcript"], f"{base}/transcript", None, None)


def is_deepgram_message(item: Any) -> bool:
    """Whether `item` is one of Deepgram's live `Results` messages (its words under `channel`)."""
    return isinstance(item, dict) and isinstance(item.get("channel"), dict) and "alternatives" in item["channel"]


def deepgram_live(messages: list[Any]) -> list[Piece]:
    """Deepgram's live `Results` messages saved one after another (a JSON list, or JSON Lines): each
    final message's words (an interim one, `is_final: false`, is said again by the final one after
    it; other messages, `Metadata`, `UtteranceEnd`, hold no words). A message's `channel_index`
    `[c, n]` is channel c of n: with n > 1 each channel is a speaker, `Channel c+1`, and the words of
    all go in the order they were said."""
    pieces, channels = [], set()
    for i, message in enumerate(messages):
        if not is_deepgram_message(message) or message.get("is_final") is False:
            continue
        index = message.get("channel_index")
        several = (isinstance(index, list) and len(index) == 2 and all(isinstance(n, int) for n in index)
                   and index[1] > 1)
        channels.add(index[0] if several else None)
        for piece in deepgram_channel(message["channel"], f"/{i}/channel"):
            pieces.append(in_channel(piece, f"Channel {index[0] + 1}") if several else piece)
    return in_time_order([pieces]) if len(channels) > 1 else pieces
