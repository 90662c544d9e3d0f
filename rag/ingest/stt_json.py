"""Speech-to-text JSON: Whisper and WhisperX `segments`, AssemblyAI `utterances`, Deepgram
`results.channels[].alternatives[]` (paragraphs, else words), and a plain list of
`{speaker, start, end, text}`. Each piece points back into the file with a JSON pointer."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from rag.errors import CorpusError
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_MEDIA_KEYS = ("media_url", "video_url", "audio_url", "url")


class SpeechJsonReader:
    """Speech-to-text output as JSON (`.json`)."""

    name = "json"
    media_types = {".json": ("application/json",)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of whichever shape the JSON has; CorpusError names the shapes understood."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{doc_id}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        pieces = _pieces(doc_id, data)
        own = _metadata(data) if isinstance(data, dict) else Metadata()
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _pieces(doc_id: str, data: Any) -> list[Piece]:
    if isinstance(data, dict):
        if isinstance(data.get("utterances"), list) and data["utterances"]:
            return list(_assemblyai(data["utterances"]))
        if isinstance(data.get("segments"), list):
            return list(_whisper(data["segments"], "/segments"))
        results = data.get("results")
        if isinstance(results, dict) and isinstance(results.get("channels"), list):
            return list(_deepgram(results["channels"]))
        for key in ("turns", "transcript", "utterances"):
            if isinstance(data.get(key), list):
                return list(_generic(data[key], f"/{key}", seconds=1.0))
    if isinstance(data, list):
        return list(_generic(data, "", seconds=1.0))
    raise CorpusError(
        f"{doc_id}: JSON of no known shape: expected Whisper or WhisperX `segments`, AssemblyAI `utterances`, "
        "Deepgram `results.channels`, or a list of {speaker, start, end, text}"
    )


def _whisper(segments: list[Any], pointer: str) -> Iterator[Piece]:
    for i, segment in enumerate(segments):
        if isinstance(segment, dict) and isinstance(segment.get("text"), str):
            yield Piece(segment["text"], f"{pointer}/{i}/text", _time(segment.get("start")), _time(segment.get("end")),
                        _speaker(segment))


def _assemblyai(utterances: list[Any]) -> Iterator[Piece]:
    for i, utterance in enumerate(utterances):
        if isinstance(utterance, dict) and isinstance(utterance.get("text"), str):
            # AssemblyAI gives milliseconds.
            yield Piece(utterance["text"], f"/utterances/{i}/text", _time(utterance.get("start"), 1000.0),
                        _time(utterance.get("end"), 1000.0), _label(utterance.get("speaker")))


def _deepgram(channels: list[Any]) -> Iterator[Piece]:
    for c, channel in enumerate(channels):
        alternatives = channel.get("alternatives") if isinstance(channel, dict) else None
        if not alternatives or not isinstance(alternatives[0], dict):
            continue
        best = alternatives[0]
        base = f"/results/channels/{c}/alternatives/0"
        paragraphs = (best.get("paragraphs") or {}).get("paragraphs") if isinstance(best.get("paragraphs"), dict) else None
        if paragraphs:
            for p, paragraph in enumerate(paragraphs):
                speaker = _label(paragraph.get("speaker"))
                for s, sentence in enumerate(paragraph.get("sentences") or []):
                    if isinstance(sentence, dict) and isinstance(sentence.get("text"), str):
                        yield Piece(sentence["text"], f"{base}/paragraphs/paragraphs/{p}/sentences/{s}/text",
                                    _time(sentence.get("start")), _time(sentence.get("end")), speaker)
        elif best.get("words"):
            for w, word in enumerate(best["words"]):
                if isinstance(word, dict):
                    key = "punctuated_word" if isinstance(word.get("punctuated_word"), str) else "word"
                    yield Piece(str(word.get(key, "")), f"{base}/words/{w}/{key}", _time(word.get("start")),
                                _time(word.get("end")), _label(word.get("speaker")))
        elif isinstance(best.get("transcript"), str):
            yield Piece(best["transcript"], f"{base}/transcript", None, None)


def _generic(items: list[Any], pointer: str, seconds: float) -> Iterator[Piece]:
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("text"), str):
            yield Piece(item["text"], f"{pointer}/{i}/text", _time(item.get("start"), seconds),
                        _time(item.get("end"), seconds), _speaker(item))


def _speaker(segment: dict[str, Any]) -> str | None:
    """A segment's speaker, else the one most of its words have (WhisperX puts it on both)."""
    own = _label(segment.get("speaker"))
    if own is not None:
        return own
    words = segment.get("words")
    labels = [_label(w.get("speaker")) for w in words if isinstance(w, dict)] if isinstance(words, list) else []
    labels = [label for label in labels if label is not None]
    return max(set(labels), key=labels.count) if labels else None


def _label(value: Any) -> str | None:
    # Deepgram numbers its speakers from 0; a bare number reads better with a word in front.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return f"Speaker {value}"
    return str(value).strip() or None


def _time(value: Any, unit: float = 1.0) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return round(float(value) / unit, 3)


def _metadata(data: dict[str, Any]) -> Metadata:
    date = data.get("date")
    try:
        iso = dt.date.fromisoformat(str(date)[:10]).isoformat() if date else None
    except ValueError:
        iso = None
    title = data.get("title")
    media = next((data[k] for k in _MEDIA_KEYS if isinstance(data.get(k), str) and data[k].strip()), None)
    return Metadata(title=title if isinstance(title, str) else None, date=iso, media_url=media)
