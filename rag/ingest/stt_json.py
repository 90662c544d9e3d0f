"""Speech-to-text JSON: Whisper and WhisperX `segments`, AssemblyAI `utterances`, Deepgram
`results.channels[].alternatives[]` (paragraphs, else words), Amazon Transcribe, Google Cloud
Speech-to-Text, Speechmatics, Rev.ai, Azure batch transcription, whisper.cpp, YouTube's `json3`
captions, the Podcasting 2.0 transcript JSON (`segments` of `speaker`, `startTime`, `endTime`, `body`),
a list of timed `words` (ElevenLabs), `{"text": ...}` alone, and a plain list of `{speaker, start, end, text}`.
Each piece points back into the file with a JSON pointer."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from typing import Any

from rag.errors import CorpusError
from rag.ingest.captions import seconds
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_MEDIA_KEYS = ("media_url", "video_url", "audio_url", "url")
_AWS_KEYS = ("audio_segments", "items", "transcripts")


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
    if isinstance(data, list):
        first = data[0] if data and isinstance(data[0], dict) else {}
        if "NBest" in first or "DisplayText" in first:
            return list(_azure_sdk(data))
        if "alternatives" in first:
            return list(_google(data, ""))  # Google's results saved without their envelope
        return list(_generic(data, ""))
    if not isinstance(data, dict):
        raise _unknown_shape(doc_id)
    results = data.get("results")
    transcription = (data.get("result") or {}).get("transcription") if isinstance(data.get("result"), dict) else None
    if isinstance(transcription, dict) and isinstance(transcription.get("utterances"), list):
        return list(_generic(transcription["utterances"], "/result/transcription/utterances"))  # Gladia
    if isinstance(data.get("phrases"), list):
        return list(_azure_fast(data["phrases"]))
    if isinstance(data.get("utterances"), list) and data["utterances"]:
        return list(_assemblyai(data["utterances"]))
    if isinstance(data.get("segments"), list):
        return list(_generic(data["segments"], "/segments"))
    if isinstance(results, dict) and isinstance(results.get("channels"), list):
        return list(_deepgram(results["channels"]))
    if isinstance(results, dict) and any(isinstance(results.get(k), list) for k in _AWS_KEYS):
        return list(_aws_transcribe(results))
    if isinstance(results, list) and results and isinstance(results[0], dict):
        # Speechmatics' items are typed words; Google's and IBM Watson's results are untyped phrases,
        # Watson's with word `timestamps` and its speakers apart, in `speaker_labels`.
        if "type" in results[0] or "alternatives" not in results[0]:
            return list(_speechmatics(results))
        if _has_word_timestamps(results[0]):
            return list(_watson(results, data.get("speaker_labels")))
        return list(_google(results, "/results"))
    if isinstance(data.get("monologues"), list):
        return list(_rev_ai(data["monologues"]))
    if isinstance(data.get("recognizedPhrases"), list):
        return list(_azure(data["recognizedPhrases"]))
    if isinstance(data.get("transcription"), list):
        return list(_whisper_cpp(data["transcription"]))
    if isinstance(data.get("events"), list):
        return list(_youtube(data["events"]))
    if isinstance(data.get("words"), list):
        # AssemblyAI without diarization has words and no utterances, timed in milliseconds.
        return list(_words(data["words"], "/words", 1000.0 if "audio_duration" in data else 1.0))
    for key in ("turns", "transcript", "utterances"):
        if isinstance(data.get(key), list):
            return list(_generic(data[key], f"/{key}"))
    if isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    raise _unknown_shape(doc_id)


def _unknown_shape(doc_id: str) -> CorpusError:
    return CorpusError(
        f"{doc_id}: JSON of no known shape: expected Whisper, WhisperX or Podcasting 2.0 `segments`, AssemblyAI `utterances`, "
        "Deepgram `results.channels`, Amazon Transcribe `results.items`, Google `results[].alternatives`, "
        "Speechmatics `results[]` words, IBM Watson `results[].alternatives[].timestamps`, Rev.ai `monologues`, "
        "Azure `recognizedPhrases` or `phrases`, Gladia `result.transcription.utterances`, whisper.cpp "
        "`transcription`, YouTube `events`, a `words` list, or a list of {speaker, start, end, text}"
    )


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


def _generic(items: list[Any], pointer: str) -> Iterator[Piece]:
    """Items of words with their times in seconds and maybe a speaker: Whisper's and WhisperX's
    `segments`, the Podcasting 2.0 transcript's (`body`, `startTime`, `endTime`: the JSON podcast
    hosts publish beside an episode), and plain lists of `{speaker, start, end, text}`."""
    for i, item in enumerate(items):
        key = _text_key(item)
        if key is not None:
            yield Piece(item[key], f"{pointer}/{i}/{key}", _time(_first(item, "start", "startTime")),
                        _time(_first(item, "end", "endTime")), _speaker(item))


def _text_key(item: Any) -> str | None:
    """Where an item keeps its words: `text`, else `body` (Podcasting 2.0)."""
    if not isinstance(item, dict):
        return None
    return next((key for key in ("text", "body") if isinstance(item.get(key), str)), None)


def _first(item: dict[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` the item has."""
    return next((item[key] for key in keys if key in item), None)


def _aws_transcribe(results: dict[str, Any]) -> Iterator[Piece]:
    """Amazon Transcribe: `audio_segments` (speaker turns) when present, else every word and
    punctuation item, else the whole transcript."""
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments:
        for i, segment in enumerate(segments):
            if isinstance(segment, dict) and isinstance(segment.get("transcript"), str):
                yield Piece(segment["transcript"], f"/results/audio_segments/{i}/transcript",
                            _time(segment.get("start_time")), _time(segment.get("end_time")),
                            _label(segment.get("speaker_label")))
        return
    items = results.get("items")
    if isinstance(items, list) and items:
        speaker_at = _aws_speakers(results.get("speaker_labels")) or _aws_channels(results.get("channel_labels"))
        for i, item in enumerate(items):
            content = _first_content(item)
            if content is None:
                continue
            start = item.get("start_time")
            speaker = _label(item.get("speaker_label")) or speaker_at.get(str(start))
            yield Piece(content, f"/results/items/{i}/alternatives/0/content", _time(start),
                        _time(item.get("end_time")), speaker, attached=item.get("type") == "punctuation")
        return
    for i, transcript in enumerate(results.get("transcripts") or []):
        if isinstance(transcript, dict) and isinstance(transcript.get("transcript"), str):
            yield Piece(transcript["transcript"], f"/results/transcripts/{i}/transcript", None, None)


def _aws_speakers(speaker_labels: Any) -> dict[str, str]:
    """Older Transcribe output names speakers apart from the items: start time -> speaker label."""
    found: dict[str, str] = {}
    segments = speaker_labels.get("segments") if isinstance(speaker_labels, dict) else None
    for segment in segments if isinstance(segments, list) else []:
        for item in segment.get("items") or [] if isinstance(segment, dict) else []:
            if isinstance(item, dict) and item.get("start_time") is not None and item.get("speaker_label"):
                found[str(item["start_time"])] = str(item["speaker_label"])
    return found


def _aws_channels(channel_labels: Any) -> dict[str, str]:
    """Channel identification: start time -> the channel (`ch_0`, `ch_1`) whose item starts then."""
    found: dict[str, str] = {}
    channels = channel_labels.get("channels") if isinstance(channel_labels, dict) else None
    for channel in channels if isinstance(channels, list) else []:
        label = channel.get("channel_label") if isinstance(channel, dict) else None
        for item in channel.get("items") or [] if label else []:
            if isinstance(item, dict) and item.get("start_time") is not None:
                found[str(item["start_time"])] = str(label)
    return found


def _speechmatics(results: list[Any]) -> Iterator[Piece]:
    """Speechmatics JSON: one item per word or punctuation mark, the speaker on its best alternative.
    A mark attaches to the word before it (`previous`, the default), after it (`next`: "*great")
    or both ("for-sure")."""
    joins_next = False
    for i, item in enumerate(results):
        content = _first_content(item)
        if content is None:
            continue
        speaker = item["alternatives"][0].get("speaker")
        attaches = item.get("attaches_to", "previous") if item.get("type") == "punctuation" else None
        yield Piece(content, f"/results/{i}/alternatives/0/content", _time(item.get("start_time")),
                    _time(item.get("end_time")), None if speaker == "UU" else _label(speaker),
                    attached=joins_next or attaches in ("previous", "both"))
        joins_next = attaches in ("next", "both")


def _google(results: list[Any], pointer: str) -> Iterator[Piece]:
    """Google Cloud Speech-to-Text: each result's best transcript, timed by its words when it has them."""
    for i, result in enumerate(results):
        alternatives = result.get("alternatives") if isinstance(result, dict) else None
        best = alternatives[0] if isinstance(alternatives, list) and alternatives else None
        if not isinstance(best, dict) or not isinstance(best.get("transcript"), str):
            continue
        words = [w for w in best.get("words") or [] if isinstance(w, dict)]
        start = _time(words[0].get("startTime", words[0].get("startOffset"))) if words else None
        last = words[-1].get("endTime", words[-1].get("endOffset")) if words else result.get("resultEndTime")
        end = _time(last)
        yield Piece(best["transcript"], f"{pointer}/{i}/alternatives/0/transcript", start, end)


def _has_word_timestamps(result: dict[str, Any]) -> bool:
    alternatives = result.get("alternatives")
    return bool(alternatives) and isinstance(alternatives[0], dict) and isinstance(alternatives[0].get("timestamps"), list)


def _watson(results: list[Any], speaker_labels: Any) -> Iterator[Piece]:
    """IBM Watson Speech to Text: each word of the best alternative with its `[word, start, end]`
    timestamp, its speaker from `speaker_labels` (matched by start time); `%HESITATION` (Watson's
    mark for "uh") is no word."""
    speakers = {round(float(label["from"]), 2): label.get("speaker") for label in speaker_labels or []
                if isinstance(label, dict) and isinstance(label.get("from"), int | float)}
    for i, result in enumerate(results):
        if not isinstance(result, dict) or not _has_word_timestamps(result):
            continue
        for w, stamp in enumerate(result["alternatives"][0]["timestamps"]):
            if not (isinstance(stamp, list) and len(stamp) == 3 and isinstance(stamp[0], str)):
                continue
            word, start, end = stamp
            if word.startswith("%"):
                continue
            speaker = speakers.get(round(float(start), 2)) if isinstance(start, int | float) else None
            yield Piece(word, f"/results/{i}/alternatives/0/timestamps/{w}/0", _time(start), _time(end),
                        _label(speaker))


def _azure_fast(phrases: list[Any]) -> Iterator[Piece]:
    """Azure fast transcription: `phrases` with `offset`/`duration` (or `offsetMilliseconds`/
    `durationMilliseconds`) in milliseconds, and a `speaker` when diarized."""
    for i, phrase in enumerate(phrases):
        if not isinstance(phrase, dict) or not isinstance(phrase.get("text"), str):
            continue
        offset = _time(_first(phrase, "offsetMilliseconds", "offset"), 1000.0)
        duration = _time(_first(phrase, "durationMilliseconds", "duration"), 1000.0)
        end = _end(offset, duration)
        yield Piece(phrase["text"], f"/phrases/{i}/text", offset, end, _label(phrase.get("speaker")))


def _azure_sdk(results: list[Any]) -> Iterator[Piece]:
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
        offset, duration = _time(result.get("Offset"), 1e7), _time(result.get("Duration"), 1e7)
        end = _end(offset, duration)
        yield Piece(text, pointer, offset, end, _label(result.get("SpeakerId")))


def _rev_ai(monologues: list[Any]) -> Iterator[Piece]:
    """Rev.ai: monologues of one speaker, each a list of text and punctuation elements."""
    for m, monologue in enumerate(monologues):
        if not isinstance(monologue, dict):
            continue
        speaker = _label(monologue.get("speaker_name")) or _label(monologue.get("speaker"))
        for e, element in enumerate(monologue.get("elements") or []):
            if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                continue
            kind = element.get("type")
            if kind in ("text", "punct"):
                yield Piece(element["value"], f"/monologues/{m}/elements/{e}/value", _time(element.get("ts")),
                            _time(element.get("end_ts")), speaker, attached=kind == "punct")


def _azure(phrases: list[Any]) -> Iterator[Piece]:
    """Azure batch transcription: each recognised phrase's best display text; times in 100 ns ticks."""
    for i, phrase in enumerate(phrases):
        best = phrase.get("nBest") if isinstance(phrase, dict) else None
        if not isinstance(best, list) or not best or not isinstance(best[0], dict):
            continue
        if not isinstance(best[0].get("display"), str):
            continue
        start = _time(phrase.get("offsetInTicks"), 1e7)
        duration = _time(phrase.get("durationInTicks"), 1e7)
        end = _end(start, duration)
        yield Piece(best[0]["display"], f"/recognizedPhrases/{i}/nBest/0/display", start, end,
                    _label(phrase.get("speaker")))


def _whisper_cpp(transcription: list[Any]) -> Iterator[Piece]:
    """whisper.cpp's `--output-json`: segments with `offsets` in milliseconds."""
    for i, segment in enumerate(transcription):
        if isinstance(segment, dict) and isinstance(segment.get("text"), str):
            offsets = segment.get("offsets") if isinstance(segment.get("offsets"), dict) else {}
            yield Piece(segment["text"], f"/transcription/{i}/text", _time(offsets.get("from"), 1000.0),
                        _time(offsets.get("to"), 1000.0))


def _youtube(events: list[Any]) -> Iterator[Piece]:
    """YouTube's `json3` captions (as yt-dlp saves them): events in milliseconds, their words in
    `segs[].utf8`, each word offset by `tOffsetMs` (automatic captions)."""
    for e, event in enumerate(events):
        segs = event.get("segs") if isinstance(event, dict) else None
        if not isinstance(segs, list):
            continue
        start = _time(event.get("tStartMs"), 1000.0)
        duration = _time(event.get("dDurationMs"), 1000.0)
        end = _end(start, duration)
        words = [(s, seg) for s, seg in enumerate(segs) if isinstance(seg, dict) and isinstance(seg.get("utf8"), str)]
        offsets = [_time(seg.get("tOffsetMs"), 1000.0) or 0.0 for _, seg in words]
        for (s, seg), offset, following in zip(words, offsets, [*offsets[1:], None], strict=True):
            said = round(start + offset, 3) if start is not None else None
            # A word lasts until the next word of its event starts; the last, until the event ends.
            until = round(start + following, 3) if start is not None and following is not None else end
            yield Piece(seg["utf8"], f"/events/{e}/segs/{s}/utf8", said, until)


def _words(words: list[Any], pointer: str, unit: float) -> Iterator[Piece]:
    """A list of timed words (ElevenLabs, OpenAI's word timestamps, AssemblyAI): `text` or `word` each."""
    for i, word in enumerate(words):
        if not isinstance(word, dict):
            continue
        key = "text" if isinstance(word.get("text"), str) else "word"
        if isinstance(word.get(key), str):
            yield Piece(word[key], f"{pointer}/{i}/{key}", _time(word.get("start"), unit), _time(word.get("end"), unit),
                        _label(word.get("speaker_id", word.get("speaker"))), attached=word.get("type") == "punctuation")


def _first_content(item: Any) -> str | None:
    """The best alternative's `content` of a word or punctuation item."""
    alternatives = item.get("alternatives") if isinstance(item, dict) else None
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        content = alternatives[0].get("content")
        return content if isinstance(content, str) else None
    return None


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
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return f"Speaker {str(value).strip()}"
    return str(value).strip() or None


def _time(value: Any, unit: float = 1.0) -> float | None:
    """Seconds from a number, a numeric string (Amazon's `"12.5"`), Google's `"12.5s"` or its
    `{"seconds": ..., "nanos": ...}`, a clock time (`"00:01:02.5"`); None when the value is none of these."""
    if isinstance(value, dict):
        try:
            value = float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
        except (TypeError, ValueError):
            return None
    elif isinstance(value, str):
        try:
            value = seconds(value.strip(), "") if ":" in value else float(value.strip().removesuffix("s"))
        except (ValueError, CorpusError):
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(float(value) / unit, 3)


def _end(start: float | None, duration: float | None) -> float | None:
    """When something that starts at `start` and lasts `duration` (both seconds) ends."""
    return round(start + duration, 3) if start is not None and duration is not None else None


def _metadata(data: dict[str, Any]) -> Metadata:
    date = data.get("date")
    try:
        iso = dt.date.fromisoformat(str(date)[:10]).isoformat() if date else None
    except ValueError:
        iso = None
    title = data.get("title")
    media = next((data[k] for k in _MEDIA_KEYS if isinstance(data.get(k), str) and data[k].strip()), None)
    return Metadata(title=title if isinstance(title, str) else None, date=iso, media_url=media)
