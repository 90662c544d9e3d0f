"""Amazon Transcribe (`results` with `audio_segments`, `items` or `transcripts`) and Amazon Transcribe
Call Analytics (`Transcript` turns)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.channels import channels_named, in_time_order
from rag.ingest.stt.fields import first_content
from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def aws_transcribe(results: dict[str, Any]) -> list[Piece]:
    """Amazon Transcribe: `audio_segments` (speaker turns) when present, else every word and
    punctuation item, else the whole transcript. With channel identification each channel (`ch_0`,
    `ch_1`) is a speaker, and the pieces go in the order they were said."""
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments:
        pieces = []
        for i, segment in enumerate(segments):
            if isinstance(segment, dict) and isinstance(segment.get("transcript"), str):
                speaker = speaker_label(segment.get("speaker_label")) or speaker_label(segment.get("channel_label"))
                pieces.append(Piece(segment["transcript"], f"/results/audio_segments/{i}/transcript",
                                    time_of(segment.get("start_time")), time_of(segment.get("end_time")), speaker))
        channels = [segment.get("channel_label") for segment in segments if isinstance(segment, dict)]
        return in_time_order([pieces]) if channels_named(channels, 0) else pieces
    items = results.get("items")
    if isinstance(items, list) and items:
        channels = _aws_channels(results.get("channel_labels"))
        pieces = list(aws_items(items, "/results/items", _aws_speakers(results.get("speaker_labels")) or channels))
        return in_time_order([pieces]) if len(set(channels.values())) > 1 else pieces
    transcripts = as_list(results.get("transcripts"), "/results/transcripts", "a list of transcripts")
    return [Piece(transcript["transcript"], f"/results/transcripts/{i}/transcript", None, None)
            for i, transcript in enumerate(transcripts)
            if isinstance(transcript, dict) and isinstance(transcript.get("transcript"), str)]


def aws_items(items: list[Any], pointer: str, speaker_at: dict[str, str] | None = None) -> Iterator[Piece]:
    """Amazon Transcribe's word and punctuation items, each a piece (punctuation onto the word
    before it); the speaker on the item, else the one `speaker_at` names at its start time, else the
    item's channel."""
    for i, item in enumerate(items):
        content = first_content(item)
        if content is None:
            continue
        start = item.get("start_time")
        speaker = (speaker_label(item.get("speaker_label")) or (speaker_at or {}).get(str(start))
                   or speaker_label(item.get("channel_label")))
        yield Piece(content, f"{pointer}/{i}/alternatives/0/content", time_of(start),
                    time_of(item.get("end_time")), speaker, attached=item.get("type") == "punctuation")


def _aws_speakers(speaker_labels: Any) -> dict[str, str]:
    """Older Transcribe output names speakers apart from the items: start time -> speaker label."""
    found: dict[str, str] = {}
    segments = speaker_labels.get("segments") if isinstance(speaker_labels, dict) else None
    for s, segment in enumerate(as_list(segments, "/results/speaker_labels/segments", "a list of segments")):
        if not isinstance(segment, dict):
            continue
        for item in as_list(segment.get("items"), f"/results/speaker_labels/segments/{s}/items", "a list of items"):
            if isinstance(item, dict) and item.get("start_time") is not None and item.get("speaker_label"):
                found[str(item["start_time"])] = str(item["speaker_label"])
    return found


def _aws_channels(channel_labels: Any) -> dict[str, str]:
    """Channel identification: start time -> the channel (`ch_0`, `ch_1`) whose item starts then."""
    found: dict[str, str] = {}
    channels = channel_labels.get("channels") if isinstance(channel_labels, dict) else None
    for c, channel in enumerate(as_list(channels, "/results/channel_labels/channels", "a list of channels")):
        label = channel.get("channel_label") if isinstance(channel, dict) else None
        if not label:
            continue
        for item in as_list(channel.get("items"), f"/results/channel_labels/channels/{c}/items", "a list of items"):
            if isinstance(item, dict) and item.get("start_time") is not None:
                found[str(item["start_time"])] = str(label)
    return found


def call_analytics(data: dict[str, Any]) -> Iterator[Piece]:
    """Amazon Transcribe Call Analytics (and Contact Lens) output: `Transcript[]` turns, each with its
    `Content`, `BeginOffsetMillis`/`EndOffsetMillis` and `ParticipantRole` (`AGENT`, `CUSTOMER`), else a
    `ParticipantId` that `Participants[]` gives a role, else that id."""
    participants = as_list(data.get("Participants"), "/Participants", "a list of participants")
    roles = {p.get("ParticipantId"): p.get("ParticipantRole") for p in participants
             if isinstance(p, dict) and isinstance(p.get("ParticipantId"), str)}
    for i, turn in enumerate(data["Transcript"]):
        if not isinstance(turn, dict) or not isinstance(turn.get("Content"), str):
            continue
        speaker = (speaker_label(turn.get("ParticipantRole")) or speaker_label(roles.get(turn.get("ParticipantId")))
                   or speaker_label(turn.get("ParticipantId")))
        yield Piece(turn["Content"], f"/Transcript/{i}/Content", time_of(turn.get("BeginOffsetMillis"), 1000.0),
                    time_of(turn.get("EndOffsetMillis"), 1000.0), speaker)
