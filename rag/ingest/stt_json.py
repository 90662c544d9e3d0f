"""Speech-to-text JSON: Whisper and WhisperX `segments`, AssemblyAI `utterances`, Deepgram
`results.channels[].alternatives[]` (paragraphs, else words), Amazon Transcribe, Google Cloud
Speech-to-Text, Speechmatics, Rev.ai, Azure batch transcription, whisper.cpp, YouTube's `json3`
captions, the Podcasting 2.0 transcript JSON (`segments` of `speaker`, `startTime`, `endTime`, `body`),
AssemblyAI's `sentences` and `paragraphs`, Hugging Face's `chunks`, Vosk's `result`, Deepgram's live
`channel` messages, a list of timed `words` (ElevenLabs, Speechmatics v1, Trint, Kaldi, BBC digital paper
edit), `{"text": ...}` alone, a plain list of `{speaker, start, end, text}`, and JSON Lines of such items.
Each piece points back into the file with a JSON pointer (into a `.json` file) or with the characters
of its string (`char=a,b`, in a `.jsonl` file, whose lines no one pointer reaches)."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import itertools
import json
import math
import re
from collections.abc import Iterator
from json.decoder import scanstring
from pathlib import PurePosixPath
from typing import Any

from rag.errors import CorpusError
from rag.ingest.captions import seconds
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_MEDIA_KEYS = ("media_url", "video_url", "audio_url", "url")
_AWS_KEYS = ("audio_segments", "items", "transcripts")
_SPEAKER_KEYS = ("speaker_name", "speaker", "speaker_id")
_TEXT_KEYS = ("text", "body", "transcription", "transcript")
"""Where an item keeps its words: `text`, `body` (Podcasting 2.0), `transcription` or `transcript`
(diarization scripts)."""
_WORD_KEYS = ("punct", "text", "word", "value", "name")
"""Where a timed word keeps its spelling: Kaldi's punctuated `punct` before its bare `word`; Trint's
`value`; Speechmatics v1's and hyperaudio's `name`."""
_WALL_CLOCK = 1e8
"""Seconds (three years) past which a time is a clock reading (Unix time), not a place in the recording."""
_MS_PER_CHARACTER = 2.0
"""Whole-number times that pass more than this per character spoken are milliseconds: speech takes
about 0.07 s a character (0.3 s in Chinese), so seconds this slow, or milliseconds this fast, are not speech."""
_DECODER = json.JSONDecoder()
_BLANK = re.compile(r"[ \t\r\n\ufeff]*")


class SpeechJsonReader:
    """Speech-to-text output as JSON (`.json`)."""

    name = "json"
    media_types = {".json": ("application/json",),
                   ".jsonl": ("application/jsonl", "application/x-ndjson", "application/json")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of whichever shape the JSON has; CorpusError names the shapes understood.
        A `.jsonl` file's lines are read as the items of one list."""
        if PurePosixPath(doc_id).suffix.lower() == ".jsonl":
            return build_transcript(doc_id, self.name, _json_lines(doc_id, text), metadata)
        try:
            # A byte-order mark is no JSON; pointers do not count characters, so it can go.
            data = json.loads(text.removeprefix("\ufeff"))
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{doc_id}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise CorpusError(f"{doc_id}: JSON nested too deeply to read (no transcript nests so)") from None
        pieces = _pieces(doc_id, _without_lone_surrogates(data) if _SURROGATE.search(text) else data)
        own = _metadata(data) if isinstance(data, dict) else Metadata()
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _json_lines(doc_id: str, text: str) -> list[Piece]:
    """JSON Lines (one item a line, or values merely one after another) read as a list of those items,
    each piece pointing at its string's characters between the quotes (JSON escapes as written)."""
    items, starts = [], []
    position = _BLANK.match(text, 0).end()
    while position < len(text):
        try:
            item, end = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{doc_id}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        items.append(_without_lone_surrogates(item) if _SURROGATE.search(text, position, end) else item)
        starts.append(position)
        position = _BLANK.match(text, end).end()
    pieces = []
    layouts: dict[int, _Layout] = {}
    for piece in _pieces(doc_id, items):
        _, line, *path = piece.source.split("/")
        start, end = _string_at(text, starts[int(line)], path, layouts)
        pieces.append(dataclasses.replace(piece, source=f"char={start},{end}"))
    return pieces


def _string_at(text: str, position: int, path: list[str], layouts: dict[int, _Layout]) -> tuple[int, int]:
    """The characters between the quotes of the string reached by `path` (JSON pointer keys) from the
    value at `position` of `text`. `layouts` keeps where each container's values begin, found once:
    a line's words are many pointers into the same arrays."""
    for key in path:
        opening = _BLANK.match(text, position).end()
        if opening not in layouts:
            layouts[opening] = _members(text, opening) if text[opening] == "{" else _elements(text, opening)
        layout = layouts[opening]
        position = layout[key] if isinstance(layout, dict) else layout[int(key)]
    opening = _BLANK.match(text, position).end()
    _, closing = scanstring(text, opening + 1)
    return opening + 1, closing - 1


_Layout = dict[str, int] | list[int]
# A UTF-16 surrogate written as a JSON escape: half an emoji (`"\ud83d"`) decodes to a string no
# UTF-8 can hold, which failed later, when the index was written.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _without_lone_surrogates(data: Any) -> Any:
    """`data` with each string's lone surrogates as U+FFFD, one character for one, so offsets hold."""
    def fixed(value: str) -> str:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    if isinstance(data, str):
        return fixed(data)
    root = [data]
    pending: list[Any] = [root]
    while pending:  # a stack, not recursion: the file decides the depth
        container = pending.pop()
        keys = range(len(container)) if isinstance(container, list) else list(container)
        for key in keys:
            value = container[key]
            if isinstance(value, str):
                container[key] = fixed(value)
            elif isinstance(value, dict | list):
                pending.append(value)
        if isinstance(container, dict):
            for key in [k for k in container if isinstance(k, str) and _has_surrogate(k)]:
                container[fixed(key)] = container.pop(key)
    return root[0]


def _has_surrogate(value: str) -> bool:
    return any("\ud800" <= character <= "\udfff" for character in value)


def _members(text: str, opening: int) -> dict[str, int]:
    """Where the value of each member of the object at `opening` begins (a repeated key's last, as
    `json.loads` keeps the last)."""
    found: dict[str, int] = {}
    position = _BLANK.match(text, opening + 1).end()
    while text[position] == '"':
        name, position = scanstring(text, position + 1)
        position = _BLANK.match(text, _BLANK.match(text, position).end() + 1).end()  # past the colon
        found[name] = position
        _, position = _DECODER.raw_decode(text, position)
        position = _BLANK.match(text, position).end()
        position = _BLANK.match(text, position + 1).end() if text[position] == "," else position
    return found


def _elements(text: str, opening: int) -> list[int]:
    """Where each element of the array at `opening` begins."""
    found: list[int] = []
    position = _BLANK.match(text, opening + 1).end()
    while text[position] != "]":
        found.append(position)
        _, position = _DECODER.raw_decode(text, position)
        position = _BLANK.match(text, position).end()
        position = _BLANK.match(text, position + 1).end() if text[position] == "," else position
    return found


def _pieces(doc_id: str, data: Any) -> list[Piece]:
    """The pieces of whichever shape `data` has; CorpusError when it has none known."""
    if isinstance(data, list):
        first = data[0] if data and isinstance(data[0], dict) else {}
        if "NBest" in first or "DisplayText" in first:
            return list(_azure_sdk(data))
        if "alternatives" in first and "type" in first:
            return list(_aws_items(data, ""))  # Amazon Transcribe's items saved without their envelope
        if "alternatives" in first:
            return list(_google(data, ""))  # Google's results saved without their envelope
        return list(_generic(data, "", _unit(data, _TEXT_KEYS)))
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
    for key in ("sentences", "paragraphs"):
        if _has_texts(data.get(key)):
            # AssemblyAI's sentences and paragraphs endpoints: milliseconds, as all its times.
            return list(_generic(data[key], f"/{key}", 1000.0))
    if isinstance(data.get("chunks"), list):
        return list(_generic(data["chunks"], "/chunks"))  # Hugging Face's ASR pipeline
    if isinstance(results, dict) and isinstance(results.get("channels"), list):
        return list(_deepgram(results["channels"]))
    if isinstance(data.get("channel"), dict):
        return list(_deepgram_channel(data["channel"], "/channel"))  # one message of Deepgram's live stream
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
        return list(_rev_ai(data["monologues"], "/monologues"))
    if _has_elements(data.get("data")):
        return list(_rev_ai(data["data"], "/data"))  # Rev.ai's monologues as some apps store them
    if isinstance(data.get("recognizedPhrases"), list):
        return list(_azure(data["recognizedPhrases"]))
    if isinstance(data.get("transcription"), list):
        return list(_whisper_cpp(data["transcription"]))
    if isinstance(data.get("events"), list):
        return list(_youtube(data["events"]))
    if isinstance(data.get("words"), list):
        # AssemblyAI without diarization has words and no utterances, timed in milliseconds.
        unit = 1000.0 if "audio_duration" in data else _unit(data["words"], _WORD_KEYS)
        return list(_words(data["words"], "/words", unit, _speaker_spans(data, unit)))
    if isinstance(data.get("result"), list):
        return list(_words(data["result"], "/result", 1.0))  # Vosk
    retval = data.get("retval")
    if isinstance(retval, dict) and isinstance(retval.get("words"), list):
        return list(_words(retval["words"], "/retval/words", 1.0))  # BBC's Kaldi service
    for key in ("turns", "transcript", "utterances", "transcriptions", "segment"):
        if isinstance(data.get(key), list):
            return list(_generic(data[key], f"/{key}", _unit(data[key], _TEXT_KEYS)))
    if isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    raise _unknown_shape(doc_id)


def _unknown_shape(doc_id: str) -> CorpusError:
    """The refusal of JSON of no shape known, naming those known."""
    return CorpusError(
        f"{doc_id}: JSON of no known shape: expected Whisper, WhisperX or Podcasting 2.0 `segments`, AssemblyAI `utterances`, "
        "Deepgram `results.channels`, Amazon Transcribe `results.items`, Google `results[].alternatives`, "
        "Speechmatics `results[]` words, IBM Watson `results[].alternatives[].timestamps`, Rev.ai `monologues`, "
        "Azure `recognizedPhrases` or `phrases`, Gladia `result.transcription.utterances`, whisper.cpp "
        "`transcription`, YouTube `events`, AssemblyAI `sentences` or `paragraphs`, Hugging Face `chunks`, "
        "Vosk `result`, a `words` list, or a list of {speaker, start, end, text}"
    )


def _has_texts(items: Any) -> bool:
    """Whether `items` is a list whose items carry their words (`text`), not only times and speakers."""
    return isinstance(items, list) and any(_text_key(item) is not None for item in items)


def _assemblyai(utterances: list[Any]) -> Iterator[Piece]:
    """AssemblyAI's `utterances`: one speaker's words each, in milliseconds."""
    for i, utterance in enumerate(utterances):
        if isinstance(utterance, dict) and isinstance(utterance.get("text"), str):
            # AssemblyAI gives milliseconds.
            yield Piece(utterance["text"], f"/utterances/{i}/text", _time(utterance.get("start"), 1000.0),
                        _time(utterance.get("end"), 1000.0), _label(utterance.get("speaker")))


def _deepgram(channels: list[Any]) -> Iterator[Piece]:
    """Deepgram's prerecorded response: each channel's best alternative."""
    for c, channel in enumerate(channels):
        if isinstance(channel, dict):
            yield from _deepgram_channel(channel, f"/results/channels/{c}")


def _deepgram_channel(channel: dict[str, Any], pointer: str) -> Iterator[Piece]:
    """One Deepgram channel's best alternative: its paragraphs' sentences, else its words, else its transcript."""
    alternatives = channel.get("alternatives")
    if not isinstance(alternatives, list) or not alternatives or not isinstance(alternatives[0], dict):
        return
    best = alternatives[0]
    base = f"{pointer}/alternatives/0"
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


def _generic(items: list[Any], pointer: str, unit: float = 1.0) -> Iterator[Piece]:
    """Items of words with their times (in seconds unless `unit` says otherwise) and maybe a speaker:
    Whisper's and WhisperX's `segments`, the Podcasting 2.0 transcript's (`body`, `startTime`,
    `endTime`: the JSON podcast hosts publish beside an episode), Hugging Face's `chunks` (`timestamp`:
    `[start, end]`), AssemblyAI's sentences and paragraphs, and plain lists of `{speaker, start, end, text}`."""
    return _words(items, pointer, unit, keys=_TEXT_KEYS)


def _text_key(item: Any) -> str | None:
    """Where an item keeps its words: the first of `_TEXT_KEYS` it has."""
    return _key_in(item, _TEXT_KEYS)


def _key_in(item: Any, keys: tuple[str, ...]) -> str | None:
    """The first of `keys` whose value in the item is a string."""
    if not isinstance(item, dict):
        return None
    return next((key for key in keys if isinstance(item.get(key), str)), None)


def _first(item: dict[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` the item has."""
    return next((item[key] for key in keys if key in item), None)


def _raw_times(item: dict[str, Any]) -> tuple[Any, Any, Any]:
    """An item's start, end and duration as the file writes them (any may be None): `start`/`end`,
    `startTime`/`endTime`, `time` and `duration` (Speechmatics v1, Trint), or `timestamp: [start, end]`."""
    stamp = item.get("timestamp")
    if isinstance(stamp, list) and len(stamp) == 2:
        return stamp[0], stamp[1], None
    return _first(item, "start", "startTime", "time"), _first(item, "end", "endTime"), item.get("duration")


def _span(item: dict[str, Any], unit: float) -> tuple[float | None, float | None]:
    """When an item starts and ends, in seconds. A clock reading (Unix time) is no place in the recording,
    so it gives none; an item with a start and no end (Hugging Face's last chunk) ends as it starts."""
    start, end, duration = _raw_times(item)
    start_time = _time(start, unit)
    end_time = _time(end, unit)
    if end_time is None:
        end_time = _end(start_time, _time(duration, unit))
    if start_time is None or start_time > _WALL_CLOCK:
        return None, None
    return start_time, start_time if end_time is None else end_time


def _unit(items: list[Any], text_keys: tuple[str, ...]) -> float:
    """1000 when the items' times are milliseconds, else 1 (seconds): each time a whole number, and
    the items lasting more than `_MS_PER_CHARACTER` a character they say, which only milliseconds do."""
    lasting = characters = 0.0
    for item in items:
        if not isinstance(item, dict):
            continue
        times = [t for t in _raw_times(item) if t is not None]
        if any(isinstance(t, bool) or not isinstance(t, int) for t in times):
            return 1.0
        start, end = _span(item, 1.0)
        key = _key_in(item, text_keys)
        if start is not None and end is not None and key is not None:
            lasting += end - start
            characters += len(item[key].strip())
    return 1000.0 if characters and lasting / characters > _MS_PER_CHARACTER else 1.0


def _goes_on(text: str, speaker: str | None, previous: tuple[str | None] | None) -> bool:
    """Whether a word of a list that writes its spaces goes on the word before it: it opens with no
    space, and that word is of the same speaker (`previous`: its speaker, None before the first)."""
    return previous is not None and previous[0] == speaker and not text[:1].isspace()


def _spaced(items: list[Any], text_keys: tuple[str, ...]) -> bool:
    """Whether the items write the space before a word into its text (Whisper's `" Dubai"`: most after
    the first open with one), so that one opening with none goes on the word before it (`" Co"`, `"-Pilot"`)."""
    texts = [item[key] for item in items[1:] if (key := _key_in(item, text_keys)) is not None]
    texts = [text for text in texts if text.strip()]
    return 2 * sum(text[:1].isspace() for text in texts) > len(texts)


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
        yield from _aws_items(items, "/results/items", speaker_at)
        return
    for i, transcript in enumerate(results.get("transcripts") or []):
        if isinstance(transcript, dict) and isinstance(transcript.get("transcript"), str):
            yield Piece(transcript["transcript"], f"/results/transcripts/{i}/transcript", None, None)


def _aws_items(items: list[Any], pointer: str, speaker_at: dict[str, str] | None = None) -> Iterator[Piece]:
    """Amazon Transcribe's word and punctuation items, each a piece (punctuation onto the word
    before it); the speaker on the item, else the one `speaker_at` names at its start time."""
    for i, item in enumerate(items):
        content = _first_content(item)
        if content is None:
            continue
        start = item.get("start_time")
        speaker = _label(item.get("speaker_label")) or (speaker_at or {}).get(str(start))
        yield Piece(content, f"{pointer}/{i}/alternatives/0/content", _time(start),
                    _time(item.get("end_time")), speaker, attached=item.get("type") == "punctuation")


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
    """Google Cloud Speech-to-Text: each result's best transcript, timed by its words when it has them.
    With diarization the last result's words are every word of the file, each with its `speakerTag`
    (Google's documented shape): those words, then, and not the transcripts, which say them again."""
    bests = [_google_best(result) for result in results]
    tagged = _google_diarized(bests)
    if tagged is not None:
        yield from _google_words(bests[tagged]["words"], f"{pointer}/{tagged}/alternatives/0/words")
        return
    for i, (result, best) in enumerate(zip(results, bests, strict=True)):
        if best is None or not isinstance(best.get("transcript"), str):
            continue
        words = [w for w in best.get("words") or [] if isinstance(w, dict)]
        start = _time(words[0].get("startTime", words[0].get("startOffset"))) if words else None
        last = words[-1].get("endTime", words[-1].get("endOffset")) if words else result.get("resultEndTime")
        end = _time(last)
        yield Piece(best["transcript"], f"{pointer}/{i}/alternatives/0/transcript", start, end)


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
    tagged = any(isinstance(w, dict) and _first(w, "speakerTag", "speakerLabel") for w in words)
    return last if tagged else None


def _google_words(words: list[Any], pointer: str) -> Iterator[Piece]:
    """Google's diarized words, each with its speaker (`speakerTag` from 1, 0 for none; v2's `speakerLabel`)."""
    for w, word in enumerate(words):
        if isinstance(word, dict) and isinstance(word.get("word"), str):
            speaker = _first(word, "speakerLabel", "speakerTag") or None
            yield Piece(word["word"], f"{pointer}/{w}/word", _time(word.get("startTime", word.get("startOffset"))),
                        _time(word.get("endTime", word.get("endOffset"))), _label(speaker))


def _has_word_timestamps(result: dict[str, Any]) -> bool:
    """Whether a result's best alternative has IBM Watson's `[word, start, end]` timestamps."""
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


def _has_elements(items: Any) -> bool:
    """Whether `items` is a list of Rev.ai-like monologues (each with its `elements`)."""
    return isinstance(items, list) and any(isinstance(item, dict) and isinstance(item.get("elements"), list)
                                           for item in items)


def _rev_ai(monologues: list[Any], pointer: str) -> Iterator[Piece]:
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
                yield Piece(element["value"], f"{pointer}/{m}/elements/{e}/value", _time(element.get("ts")),
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


def _words(words: list[Any], pointer: str, unit: float, speakers: _SpeakerSpans | None = None,
           keys: tuple[str, ...] = _WORD_KEYS) -> Iterator[Piece]:
    """A list of timed words (ElevenLabs, OpenAI's word timestamps, AssemblyAI, Vosk, Kaldi, Trint,
    Speechmatics v1), or of longer timed items (`_TEXT_KEYS`): each spelt in one of `keys`, its speaker on it
    (or most of its words') or in `speakers` (start, end, label: the spans a file gives apart from
    its words)."""
    spaced = _spaced(words, keys)
    previous = None
    for i, word in enumerate(words):
        key = _key_in(word, keys)
        if key is None:
            continue
        start, end = _span(word, unit)
        speaker = _speaker(word) or (speakers.speaker_at(start) if speakers else None)
        joined = word.get("type") == "punctuation" or (spaced and _goes_on(word[key], speaker, previous))
        yield Piece(word[key], f"{pointer}/{i}/{key}", start, end, speaker, attached=joined)
        previous = (speaker,)


def _speaker_spans(data: dict[str, Any], unit: float) -> _SpeakerSpans | None:
    """The speakers' spans a file of `words` gives beside them, when their items have no words of their
    own: BBC digital paper edit's `paragraphs` (`speaker`, `start`, `end`), Speechmatics v1's `speakers`
    (`name`, `time`, `duration`)."""
    for key, label_key in (("paragraphs", "speaker"), ("speakers", "name")):
        items = data.get(key)
        if not isinstance(items, list) or _has_texts(items):
            continue
        spans = []
        for item in items:
            label = _label(item.get(label_key)) if isinstance(item, dict) else None
            start, end = _span(item, unit) if label else (None, None)
            if start is not None and end is not None:
                spans.append((start, end, label))
        if spans:
            return _SpeakerSpans.of(spans)
    return None


@dataclasses.dataclass(frozen=True)
class _SpeakerSpans:
    """Speakers' spans given apart from the words, sorted by start, so that a word's speaker is found
    by bisection: a long paper edit has thousands of spans, and checking each word against all of
    them took time growing with the square of the file."""

    starts: list[float]
    ends: list[float]
    labels: list[str]
    reach: list[float]  # the latest end among the spans up to each: where a backward search may stop

    @classmethod
    def of(cls, spans: list[tuple[float, float, str]]) -> _SpeakerSpans:
        """The lookup over (start, end, label) spans in any order."""
        ordered = sorted(spans, key=lambda span: span[0])
        return cls([s for s, _, _ in ordered], [e for _, e, _ in ordered], [label for _, _, label in ordered],
                   list(itertools.accumulate((e for _, e, _ in ordered), max)))

    def speaker_at(self, time: float | None) -> str | None:
        """The speaker of the span a word starting at `time` falls in (of overlapping ones, the one that
        starts last), or None."""
        if time is None:
            return None
        i = bisect.bisect_right(self.starts, time) - 1
        while i >= 0 and self.reach[i] >= time:
            if self.ends[i] >= time:
                return self.labels[i]
            i -= 1
        return None


def _first_content(item: Any) -> str | None:
    """The best alternative's `content` of a word or punctuation item."""
    alternatives = item.get("alternatives") if isinstance(item, dict) else None
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        content = alternatives[0].get("content")
        return content if isinstance(content, str) else None
    return None


def _speaker(segment: dict[str, Any]) -> str | None:
    """A segment's speaker (a name before a label: `speaker_name`, `speaker`, `speaker_id`), else the
    one most of its words have (WhisperX puts it on both)."""
    own = _own_speaker(segment)
    if own is not None:
        return own
    words = segment.get("words")
    labels = [_own_speaker(w) for w in words if isinstance(w, dict)] if isinstance(words, list) else []
    labels = [label for label in labels if label is not None]
    return max(labels, key=labels.count) if labels else None


def _own_speaker(item: dict[str, Any]) -> str | None:
    """The speaker an item names itself."""
    return next((label for key in _SPEAKER_KEYS if (label := _label(item.get(key))) is not None), None)


def _label(value: Any) -> str | None:
    """A speaker label as text; None for none (`Unknown`, `?`, empty)."""
    # Deepgram numbers its speakers from 0; a bare number reads better with a word in front.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return f"Speaker {str(value).strip()}"
    label = str(value).strip()
    return None if label.lower() in NO_SPEAKER else label


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
    """The title, date and media URL the file gives at its top level."""
    date = data.get("date")
    try:
        iso = dt.date.fromisoformat(str(date)[:10]).isoformat() if date else None
    except ValueError:
        iso = None
    title = data.get("title")
    media = next((data[k] for k in _MEDIA_KEYS if isinstance(data.get(k), str) and data[k].strip()), None)
    return Metadata(title=title if isinstance(title, str) else None, date=iso, media_url=media)
