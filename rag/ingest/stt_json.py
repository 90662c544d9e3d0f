"""Speech-to-text JSON: Whisper and WhisperX `segments`, AssemblyAI `utterances`, Deepgram
`results.channels[].alternatives[]` (paragraphs, else words), Amazon Transcribe, Google Cloud
Speech-to-Text, Speechmatics, Rev.ai, Azure batch transcription, whisper.cpp, YouTube's `json3`
captions, the Podcasting 2.0 transcript JSON (`segments` of `speaker`, `startTime`, `endTime`, `body`),
AssemblyAI's `sentences` and `paragraphs`, Hugging Face's `chunks`, Vosk's `result`, Deepgram's live
`channel` messages, a list of timed `words` (ElevenLabs, Speechmatics v1, Trint, Kaldi, BBC digital paper
edit), Amazon Transcribe Call Analytics' `Transcript`, ElevenLabs' multichannel `transcripts`, a Google
long-running operation's `response`, NeMo manifests, `{"text": ...}` alone, a plain list of `{speaker, start,
end, text}`, and JSON Lines of such items; and, where none of these fits, the transcripts `json_transcripts`
reads (Oyez's oral arguments, earnings calls' `prepared_remarks`/`q_and_a`, chat `conversation`s). A
recording split by channel has a speaker per channel, its pieces in the order they were said.
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
import statistics
from collections.abc import Iterator
from json.decoder import scanstring
from pathlib import PurePosixPath
from typing import Any

from rag.errors import CorpusError
from rag.ingest import json_transcripts
from rag.ingest.captions import seconds
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_MEDIA_KEYS = ("media_url", "video_url", "audio_url", "url")
_AWS_KEYS = ("audio_segments", "items", "transcripts")
_SPEAKER_KEYS = ("speaker_name", "speaker", "speaker_id")
_TEXT_KEYS = ("text", "body", "transcription", "transcript", "pred_text")
"""Where an item keeps its words: `text`, `body` (Podcasting 2.0), `transcription` or `transcript`
(diarization scripts), `pred_text` (a NeMo manifest's recognised words, where it has no `text`)."""
_WORD_KEYS = ("punct", "text", "word", "value", "name")
"""Where a timed word keeps its spelling: Kaldi's punctuated `punct` before its bare `word`; Trint's
`value`; Speechmatics v1's and hyperaudio's `name`."""
_WALL_CLOCK = 1e8
"""Seconds (three years) past which a time is a clock reading (Unix time), not a place in the recording."""
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
        A `.jsonl` file's lines are read as the items of one list, and so is a `.json` file holding
        JSON Lines (NeMo's `manifest.json`)."""
        if PurePosixPath(doc_id).suffix.lower() == ".jsonl":
            return build_transcript(doc_id, self.name, _json_lines(doc_id, text), metadata)
        try:
            # A byte-order mark is no JSON; pointers do not count characters, so it can go.
            data = json.loads(text.removeprefix("\ufeff"))
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data":  # values one after another: JSON Lines under a .json name
                return build_transcript(doc_id, self.name, _json_lines(doc_id, text), metadata)
            raise CorpusError(f"{doc_id}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise CorpusError(f"{doc_id}: JSON nested too deeply to read (no transcript nests so)") from None
        except ValueError:  # an integer past the interpreter's 4300 digits
            raise _too_many_digits(doc_id, text, 0) from None
        data = _without_lone_surrogates(data) if _SURROGATE.search(text) else data
        try:
            pieces = _pieces(doc_id, data)
        except _Malformed as exc:
            raise CorpusError(f"{doc_id}: {_described(exc, data)}") from None
        own = _metadata(data) if isinstance(data, dict) else Metadata()
        own = _shape_metadata(data, pieces, own)
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
        except RecursionError:
            raise CorpusError(f"{doc_id}: line {_line_of(text, position)}: JSON nested too deeply to read "
                              "(no transcript nests so)") from None
        except ValueError:  # an integer past the interpreter's 4300 digits
            raise _too_many_digits(doc_id, text, position) from None
        items.append(_without_lone_surrogates(item) if _SURROGATE.search(text, position, end) else item)
        starts.append(position)
        position = _BLANK.match(text, end).end()
    try:
        found = _pieces(doc_id, items)
    except _Malformed as exc:
        pointer = exc.pointer if exc.pointer is not None else _pointer_to(items, exc.value)
        _, line, *path = (pointer or "/0").split("/")
        where = "/" + "/".join(path)
        raise CorpusError(f"{doc_id}: line {_line_of(text, starts[int(line)])}: "
                          f"{_described(_Malformed(where, exc.expected, exc.value, exc.shape), None)}") from None
    pieces = []
    layouts: dict[int, _Layout] = {}
    for piece in found:
        _, line, *path = piece.source.split("/")
        start, end = _string_at(text, starts[int(line)], path, layouts)
        pieces.append(dataclasses.replace(piece, source=f"char={start},{end}"))
    return pieces


def _line_of(text: str, position: int) -> int:
    """The line (from 1) on which `position` of `text` lies."""
    return text.count("\n", 0, position) + 1


def _too_many_digits(doc_id: str, text: str, position: int) -> CorpusError:
    """The refusal of a file holding an integer of more digits than Python reads (4300): no time nor
    anything else a transcript holds is written so."""
    found = re.compile(r"[0-9]{4301,}").search(text, position)
    if found is None:
        return CorpusError(f"{doc_id}: a number too long to read (more than 4300 digits)")
    line = _line_of(text, found.start())
    column = found.start() - text.rfind("\n", 0, found.start())
    return CorpusError(f"{doc_id}: line {line}, column {column}: a number of {len(found.group())} digits, "
                       "too long to read (more than 4300); no transcript writes one")


class _Malformed(Exception):
    """A value of the wrong kind where a shape needs a list, an object or a time. `pointer` is where
    (None when the code that met it does not know: found afterwards by the value itself)."""

    def __init__(self, pointer: str | None, expected: str, value: Any, shape: bool = False) -> None:
        super().__init__(pointer, expected)
        self.pointer, self.expected, self.value = pointer, expected, value
        self.shape = shape
        """Whether the value decides the file's shape, which it then has none of."""


def _described(exc: _Malformed, data: Any) -> str:
    """`pointer: expected ..., found ...` for a malformed value."""
    pointer = exc.pointer if exc.pointer is not None else _pointer_to(data, exc.value)
    said = f"{pointer or '/'}: expected {exc.expected}, found {_kind(exc.value)}"
    return f"JSON of no known shape: {said}" if exc.shape else said


def _kind(value: Any) -> str:
    """What a JSON value is, as a refusal names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**15:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"


def _pointer_to(data: Any, target: Any) -> str | None:
    """The JSON pointer of the value that is `target` itself (the same object) in `data`, else None.
    A stack, not recursion: the file decides the depth."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        pointer, value = pending.pop()
        if value is target:
            return pointer
        if isinstance(value, dict):
            pending.extend((f"{pointer}/{_escaped(str(k))}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            pending.extend((f"{pointer}/{i}", v) for i, v in reversed(list(enumerate(value))))
    return None


def _escaped(key: str) -> str:
    """A key as a JSON pointer writes it (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def _seq(value: Any, pointer: str, expected: str) -> list[Any]:
    """`value` as a list: itself, or no items for null (a field left empty); _Malformed for anything else."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _Malformed(pointer, expected, value)


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
    """The pieces of whichever shape `data` has (their times made sane by `build_transcript`, as every
    reader's are); CorpusError when it has none known, _Malformed where a value is not of the kind its
    shape needs. A file whose shape gives no words
    but that has a top-level `text` (OpenAI's `verbose_json` with no segments) is that text."""
    pieces = _shaped(doc_id, data)
    if not any(piece.text.strip() for piece in pieces) and isinstance(data, dict) and isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    return pieces


def _shaped(doc_id: str, data: Any) -> list[Piece]:
    """The pieces of whichever shape `data` has, as the file gives them."""
    if isinstance(data, list):
        first = data[0] if data and isinstance(data[0], dict) else {}
        if "NBest" in first or "DisplayText" in first:
            return list(_azure_sdk(data))
        if "alternatives" in first and "type" in first:
            return list(_aws_items(data, ""))  # Amazon Transcribe's items saved without their envelope
        if "alternatives" in first:
            return list(_google(data, ""))  # Google's results saved without their envelope
        if any(_is_deepgram_message(item) for item in data):
            return _deepgram_live(data)  # Deepgram's live messages saved as a list or as JSON Lines
        if not _has_texts(data) and (found := _transcript_shape(data)) is not None:
            return found.pieces  # chat messages, or conversations each holding them
        return list(_generic(data, "", _unit(data)))
    if not isinstance(data, dict):
        raise _unknown_shape(doc_id)
    if isinstance(data.get("response"), dict) and "done" in data:
        # A Google long-running operation saved as returned: its response holds the results.
        try:
            inner = _shaped(doc_id, data["response"])
        except _Malformed as exc:
            raise _Malformed(None if exc.pointer is None else f"/response{exc.pointer}", exc.expected,
                             exc.value, exc.shape) from None
        return [dataclasses.replace(piece, source=f"/response{piece.source}") for piece in inner]
    results = data.get("results")
    transcription = (data.get("result") or {}).get("transcription") if isinstance(data.get("result"), dict) else None
    if isinstance(transcription, dict) and isinstance(transcription.get("utterances"), list):
        return list(_generic(transcription["utterances"], "/result/transcription/utterances"))  # Gladia
    if isinstance(data.get("phrases"), list):
        return list(_azure_fast(data["phrases"]))
    if isinstance(data.get("utterances"), list) and data["utterances"]:
        return list(_assemblyai(data["utterances"]))
    if isinstance(data.get("segments"), list):
        return list(_generic(data["segments"], "/segments", _unit(data["segments"])))
    for key in ("sentences", "paragraphs"):
        if _has_texts(data.get(key)):
            # AssemblyAI's sentences and paragraphs endpoints: milliseconds, as all its times; seconds
            # where their times say so (other tools write such lists in seconds).
            return list(_generic(data[key], f"/{key}", _unit(data[key])))
    if isinstance(data.get("chunks"), list):
        return list(_generic(data["chunks"], "/chunks"))  # Hugging Face's ASR pipeline
    if isinstance(results, dict) and isinstance(results.get("channels"), list):
        return _deepgram(results["channels"])
    if isinstance(data.get("channel"), dict):
        return list(_deepgram_channel(data["channel"], "/channel"))  # one message of Deepgram's live stream
    if isinstance(results, dict) and any(isinstance(results.get(k), list) for k in _AWS_KEYS):
        return _aws_transcribe(results)
    if isinstance(results, list) and results and isinstance(results[0], dict):
        # Speechmatics' items are typed words; Google's and IBM Watson's results are untyped phrases,
        # Watson's with word `timestamps` and its speakers apart, in `speaker_labels`.
        if "type" in results[0] or "alternatives" not in results[0]:
            return _speechmatics(results)
        if _has_word_timestamps(results[0]):
            return list(_watson(results, data.get("speaker_labels")))
        return _google(results, "/results")
    if isinstance(data.get("monologues"), list):
        return list(_rev_ai(data["monologues"], "/monologues"))
    if _has_elements(data.get("data")):
        return list(_rev_ai(data["data"], "/data"))  # Rev.ai's monologues as some apps store them
    if isinstance(data.get("recognizedPhrases"), list):
        return _azure(data["recognizedPhrases"])
    if isinstance(data.get("transcription"), list):
        return list(_whisper_cpp(data["transcription"]))
    if isinstance(data.get("events"), list):
        return list(_youtube(data["events"]))
    if isinstance(data.get("Transcript"), list):
        return list(_call_analytics(data))
    if _has_channel_transcripts(data.get("transcripts")):
        return _elevenlabs_channels(data["transcripts"])
    if isinstance(data.get("words"), list):
        # AssemblyAI without diarization has words and no utterances, timed in milliseconds.
        unit = 1000.0 if "audio_duration" in data else _unit(data["words"])
        return list(_words(data["words"], "/words", unit, _speaker_spans(data, unit)))
    if isinstance(data.get("result"), list):
        return list(_words(data["result"], "/result", 1.0))  # Vosk
    retval = data.get("retval")
    if isinstance(retval, dict) and isinstance(retval.get("words"), list):
        return list(_words(retval["words"], "/retval/words", 1.0))  # BBC's Kaldi service
    for key in ("turns", "transcript", "utterances", "transcriptions", "segment"):
        if isinstance(data.get(key), list):
            return list(_generic(data[key], f"/{key}", _unit(data[key])))
    if isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    found = _transcript_shape(data)  # Oyez, earnings calls, conversations: shapes no recogniser writes
    if found is not None:
        return found.pieces
    _refuse_malformed(data)
    raise _unknown_shape(doc_id)


def _transcript_shape(data: Any) -> json_transcripts.Found | None:
    """What `json_transcripts` reads of `data` (Oyez, earnings calls, conversations), else None; a value
    of the wrong kind where its shape needs a time is _Malformed."""
    try:
        return json_transcripts.read(data)
    except json_transcripts.Misplaced as exc:
        raise _Malformed(exc.pointer, exc.expected, exc.value) from None


def _shape_metadata(data: Any, pieces: list[Piece], own: Metadata) -> Metadata:
    """`own` with the title, date, media URL and speakers' roles a shape of `json_transcripts` gives,
    when that shape is the one `pieces` were read from (`_shaped` asks it only where no other shape fits)."""
    if not pieces or not isinstance(data, dict | list) or _has_texts(data if isinstance(data, list) else None):
        return own
    if isinstance(data, dict) and isinstance(data.get("text"), str):
        return own
    found = json_transcripts.read(data)
    if found is None or [p.source for p in found.pieces] != [p.source for p in pieces]:
        return own
    return json_transcripts.metadata(found, own)


_LISTS = {
    "segments": "a list of segments", "utterances": "a list of utterances", "monologues": "a list of monologues",
    "recognizedPhrases": "a list of recognized phrases", "phrases": "a list of phrases", "words": "a list of words",
    "events": "a list of events", "chunks": "a list of chunks", "sentences": "a list of sentences",
    "paragraphs": "a list of paragraphs", "Transcript": "a list of transcript turns",
    "transcripts": "a list of transcripts",
}
"""The top-level keys that decide a shape, and what each must hold."""
_RESULT_LISTS = {"channels": "a list of channels", "audio_segments": "a list of audio segments",
                 "items": "a list of items", "transcripts": "a list of transcripts"}
"""The same under `results` (Deepgram, Amazon Transcribe)."""


def _refuse_malformed(data: dict[str, Any]) -> None:
    """_Malformed for JSON that has no shape known only because a key that decides one holds a value
    of the wrong kind (`"channels": null`, `"results": 3`): the refusal then says where and what."""
    results = data.get("results")
    if "results" in data and not isinstance(results, dict | list):
        raise _Malformed("/results", "a list of results (or an object holding them)", results, shape=True)
    if isinstance(results, dict):
        for key, expected in _RESULT_LISTS.items():
            if key in results and not isinstance(results[key], list):
                raise _Malformed(f"/results/{key}", expected, results[key], shape=True)
    for key, expected in _LISTS.items():
        if key in data and not isinstance(data[key], list):
            raise _Malformed(f"/{key}", expected, data[key], shape=True)


def _unknown_shape(doc_id: str) -> CorpusError:
    """The refusal of JSON of no shape known, naming those known."""
    return CorpusError(
        f"{doc_id}: JSON of no known shape: expected Whisper, WhisperX or Podcasting 2.0 `segments`, AssemblyAI `utterances`, "
        "Deepgram `results.channels`, Amazon Transcribe `results.items`, Google `results[].alternatives`, "
        "Speechmatics `results[]` words, IBM Watson `results[].alternatives[].timestamps`, Rev.ai `monologues`, "
        "Azure `recognizedPhrases` or `phrases`, Gladia `result.transcription.utterances`, whisper.cpp "
        "`transcription`, YouTube `events`, AssemblyAI `sentences` or `paragraphs`, Hugging Face `chunks`, "
        "Vosk `result`, Amazon Transcribe Call Analytics `Transcript`, ElevenLabs `transcripts`, a Google "
        "operation's `response`, a `words` list, a list of {speaker, start, end, text}, an Oyez "
        "`transcript.sections`, an earnings call's `prepared_remarks` or `q_and_a`, or a `conversation` of "
        "{role, content} messages"
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


def _deepgram(channels: list[Any]) -> list[Piece]:
    """Deepgram's prerecorded response: each channel's best alternative. With several channels
    (`multichannel=true`: a recording with each party on a channel of its own) each channel is a
    speaker, `Channel 1` and on (its diarized speakers `Channel 1 Speaker 0` and on), and the words
    of all go in the order they were said."""
    tiers = [list(_deepgram_channel(channel, f"/results/channels/{c}")) if isinstance(channel, dict) else []
             for c, channel in enumerate(channels)]
    if len(tiers) < 2:
        return tiers[0] if tiers else []
    return _in_time_order([[_in_channel(piece, f"Channel {c + 1}") for piece in tier] for c, tier in enumerate(tiers)])


def _deepgram_channel(channel: dict[str, Any], pointer: str) -> Iterator[Piece]:
    """One Deepgram channel's best alternative: its paragraphs' sentences, else its words, else its transcript."""
    alternatives = _seq(channel.get("alternatives"), f"{pointer}/alternatives", "a list of alternatives")
    if not alternatives or not isinstance(alternatives[0], dict):
        return
    best = alternatives[0]
    base = f"{pointer}/alternatives/0"
    paragraphs = (best.get("paragraphs") or {}).get("paragraphs") if isinstance(best.get("paragraphs"), dict) else None
    paragraphs = _seq(paragraphs, f"{base}/paragraphs/paragraphs", "a list of paragraphs")
    if paragraphs:
        for p, paragraph in enumerate(paragraphs):
            if not isinstance(paragraph, dict):
                continue
            speaker = _label(paragraph.get("speaker"))
            where = f"{base}/paragraphs/paragraphs/{p}/sentences"
            for s, sentence in enumerate(_seq(paragraph.get("sentences"), where, "a list of sentences")):
                if isinstance(sentence, dict) and isinstance(sentence.get("text"), str):
                    yield Piece(sentence["text"], f"{where}/{s}/text", _time(sentence.get("start")),
                                _time(sentence.get("end")), speaker)
    elif best.get("words"):
        for w, word in enumerate(_seq(best["words"], f"{base}/words", "a list of words")):
            if isinstance(word, dict):
                key = "punctuated_word" if isinstance(word.get("punctuated_word"), str) else "word"
                yield Piece(str(word.get(key, "")), f"{base}/words/{w}/{key}", _time(word.get("start")),
                            _time(word.get("end")), _label(word.get("speaker")))
    elif isinstance(best.get("transcript"), str):
        yield Piece(best["transcript"], f"{base}/transcript", None, None)


def _is_deepgram_message(item: Any) -> bool:
    """Whether `item` is one of Deepgram's live `Results` messages (its words under `channel`)."""
    return isinstance(item, dict) and isinstance(item.get("channel"), dict) and "alternatives" in item["channel"]


def _deepgram_live(messages: list[Any]) -> list[Piece]:
    """Deepgram's live `Results` messages saved one after another (a JSON list, or JSON Lines): each
    final message's words (an interim one, `is_final: false`, is said again by the final one after
    it; other messages, `Metadata`, `UtteranceEnd`, hold no words). A message's `channel_index`
    `[c, n]` is channel c of n: with n > 1 each channel is a speaker, `Channel c+1`, and the words of
    all go in the order they were said."""
    pieces, channels = [], set()
    for i, message in enumerate(messages):
        if not _is_deepgram_message(message) or message.get("is_final") is False:
            continue
        index = message.get("channel_index")
        several = (isinstance(index, list) and len(index) == 2 and all(isinstance(n, int) for n in index)
                   and index[1] > 1)
        channels.add(index[0] if several else None)
        for piece in _deepgram_channel(message["channel"], f"/{i}/channel"):
            pieces.append(_in_channel(piece, f"Channel {index[0] + 1}") if several else piece)
    return _in_time_order([pieces]) if len(channels) > 1 else pieces


def _in_channel(piece: Piece, channel: str) -> Piece:
    """The piece as said on `channel` (one of several: each a party to the call): its speaker is the
    channel, or the channel's diarized speaker (`Channel 1 Speaker 0`: diarization numbers a
    channel's speakers apart from the others')."""
    return dataclasses.replace(piece, speaker=channel if piece.speaker is None else f"{channel} {piece.speaker}")


def _in_time_order(tiers: list[list[Piece]]) -> list[Piece]:
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


def _channels_named(values: list[Any], first: int) -> dict[Any, str] | None:
    """Each channel value's name (`Channel 1`, ...: integers counted from `first`, strings as written)
    when `values` show two or more channels, else None: one channel names no one."""
    found = {v for v in values if v is not None and not isinstance(v, bool | dict | list)}
    if len(found) < 2:
        return None
    return {v: f"Channel {v - first + 1}" if isinstance(v, int) else str(v) for v in found}


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
    """The first of `keys` whose value in the item is a string with words, else the first whose value
    is a string (a NeMo manifest's empty `text` beside its `pred_text`)."""
    if not isinstance(item, dict):
        return None
    strings = [key for key in keys if isinstance(item.get(key), str)]
    return next((key for key in strings if item[key].strip()), strings[0] if strings else None)


def _first(item: dict[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` the item has."""
    return next((item[key] for key in keys if key in item), None)


_STARTS = (("start", None), ("startTime", None), ("start_time", None), ("time", None), ("start_ms", 1000.0),
           ("startMs", 1000.0), ("start_time_ms", 1000.0), ("startTimeMs", 1000.0), ("startMillis", 1000.0))
_ENDS = (("end", None), ("endTime", None), ("end_time", None), ("end_ms", 1000.0), ("endMs", 1000.0),
         ("end_time_ms", 1000.0), ("endTimeMs", 1000.0), ("endMillis", 1000.0))
_DURATIONS = (("duration", None), ("duration_ms", 1000.0), ("durationMs", 1000.0))
"""Where an item keeps its start, end and duration: each key with its unit, when its name says
milliseconds (`start_ms`), else None (the unit the list's times show). `start_time`/`end_time` are
NeMo's (seconds), `time` Speechmatics v1's and Trint's."""
_Time = tuple[Any, float | None]


def _raw_times(item: dict[str, Any]) -> tuple[_Time, _Time, _Time]:
    """An item's start, end and duration as the file writes them (any may be None), each with the unit
    its key's name gives (None: none named): `start`/`end`, `startTime`/`endTime`, `start_time`/`end_time`,
    `start_ms`/`end_ms` and kin, `time` and `duration` (Speechmatics v1, Trint), or `timestamp: [start, end]`."""
    stamp = item.get("timestamp")
    if isinstance(stamp, list) and len(stamp) == 2:
        return (stamp[0], None), (stamp[1], None), (None, None)

    def found(keys: tuple[tuple[str, float | None], ...]) -> _Time:
        return next(((item[key], unit) for key, unit in keys if item.get(key) is not None), (None, None))

    return found(_STARTS), found(_ENDS), found(_DURATIONS)


def _span(item: dict[str, Any], unit: float) -> tuple[float | None, float | None]:
    """When an item starts and ends, in seconds. A clock reading (Unix time) is no place in the recording,
    so it gives none; an item with a start and no end (Hugging Face's last chunk) ends as it starts."""
    (start, start_unit), (end, end_unit), (duration, duration_unit) = _raw_times(item)
    start_time = _time(start, start_unit or unit)
    end_time = _time(end, end_unit or unit)
    if end_time is None:
        end_time = _end(start_time, _time(duration, duration_unit or unit))
    if start_time is None or start_time > _WALL_CLOCK:
        return None, None
    return start_time, start_time if end_time is None else end_time


_TYPICAL_MS = 100
"""Whole-number times are milliseconds when the typical item lasts this many or more: a word lasts a
few hundred milliseconds, a segment thousands, while no tool cuts speech into items of 100 seconds
or more (Whisper's last at most 30)."""
_MOST_PER_SECOND = 60
"""More characters a second than anyone speaks (15 is usual; an auctioneer's 30)."""
_MOST_SECONDS_PER_CHARACTER = 20
"""More seconds a character than any transcript takes, music and silence counted in (speech takes
0.07 s a character, 0.3 s in Chinese)."""


_NO_RECORDING_MS = 10**15  # some 31,000 years


def _unit(items: list[Any]) -> float:
    """1000 when the items' times are milliseconds, else 1 (seconds): each time a whole number (no key
    naming its unit), and the typical item lasting `_TYPICAL_MS` or more of them (the median of the
    items' durations, else of the gaps between their starts), unless milliseconds would have the
    items say more than `_MOST_PER_SECOND` characters a second; or the typical item lasting fewer, but
    seconds having them say a character in more than `_MOST_SECONDS_PER_CHARACTER` (a character-level
    alignment in milliseconds). The whole list is judged: the pace of its characters alone made a 30 s
    `[music]` segment milliseconds, and every time 1000 times too small."""
    durations: list[float] = []
    starts: list[float] = []
    lasting = characters = 0.0
    for item in items:
        if not isinstance(item, dict):
            continue
        (start, start_unit), (end, end_unit), (duration, duration_unit) = _raw_times(item)
        unnamed = [t for t, unit in ((start, start_unit), (end, end_unit), (duration, duration_unit))
                   if t is not None and unit is None]
        # A time past any recording (hundreds of digits) is judged where it is read, naming its pointer.
        if any(isinstance(t, bool) or not isinstance(t, int) or abs(t) > _NO_RECORDING_MS for t in unnamed):
            return 1.0
        if start is not None and start_unit is None:
            starts.append(start)
        if start is not None and start_unit is None and end is not None and end_unit is None:
            durations.append(end - start)
        elif duration is not None and duration_unit is None:
            durations.append(duration)
        else:
            continue
        key = _key_in(item, _TEXT_KEYS + _WORD_KEYS)
        if key is not None and durations[-1] > 0:
            lasting += durations[-1]
            characters += len(item[key].strip())
    positive = [d for d in durations if d > 0]
    if not positive:
        ordered = sorted(set(starts))
        positive = [b - a for a, b in itertools.pairwise(ordered)]
    if not positive:
        return 1.0
    if statistics.median(positive) >= _TYPICAL_MS:
        return 1.0 if characters and characters / (lasting / 1000) > _MOST_PER_SECOND else 1000.0
    return 1000.0 if characters and lasting / characters > _MOST_SECONDS_PER_CHARACTER else 1.0


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


def _aws_transcribe(results: dict[str, Any]) -> list[Piece]:
    """Amazon Transcribe: `audio_segments` (speaker turns) when present, else every word and
    punctuation item, else the whole transcript. With channel identification each channel (`ch_0`,
    `ch_1`) is a speaker, and the pieces go in the order they were said."""
    segments = results.get("audio_segments")
    if isinstance(segments, list) and segments:
        pieces = []
        for i, segment in enumerate(segments):
            if isinstance(segment, dict) and isinstance(segment.get("transcript"), str):
                speaker = _label(segment.get("speaker_label")) or _label(segment.get("channel_label"))
                pieces.append(Piece(segment["transcript"], f"/results/audio_segments/{i}/transcript",
                                    _time(segment.get("start_time")), _time(segment.get("end_time")), speaker))
        channels = [segment.get("channel_label") for segment in segments if isinstance(segment, dict)]
        return _in_time_order([pieces]) if _channels_named(channels, 0) else pieces
    items = results.get("items")
    if isinstance(items, list) and items:
        channels = _aws_channels(results.get("channel_labels"))
        pieces = list(_aws_items(items, "/results/items", _aws_speakers(results.get("speaker_labels")) or channels))
        return _in_time_order([pieces]) if len(set(channels.values())) > 1 else pieces
    transcripts = _seq(results.get("transcripts"), "/results/transcripts", "a list of transcripts")
    return [Piece(transcript["transcript"], f"/results/transcripts/{i}/transcript", None, None)
            for i, transcript in enumerate(transcripts)
            if isinstance(transcript, dict) and isinstance(transcript.get("transcript"), str)]


def _aws_items(items: list[Any], pointer: str, speaker_at: dict[str, str] | None = None) -> Iterator[Piece]:
    """Amazon Transcribe's word and punctuation items, each a piece (punctuation onto the word
    before it); the speaker on the item, else the one `speaker_at` names at its start time, else the
    item's channel."""
    for i, item in enumerate(items):
        content = _first_content(item)
        if content is None:
            continue
        start = item.get("start_time")
        speaker = (_label(item.get("speaker_label")) or (speaker_at or {}).get(str(start))
                   or _label(item.get("channel_label")))
        yield Piece(content, f"{pointer}/{i}/alternatives/0/content", _time(start),
                    _time(item.get("end_time")), speaker, attached=item.get("type") == "punctuation")


def _aws_speakers(speaker_labels: Any) -> dict[str, str]:
    """Older Transcribe output names speakers apart from the items: start time -> speaker label."""
    found: dict[str, str] = {}
    segments = speaker_labels.get("segments") if isinstance(speaker_labels, dict) else None
    for s, segment in enumerate(_seq(segments, "/results/speaker_labels/segments", "a list of segments")):
        if not isinstance(segment, dict):
            continue
        for item in _seq(segment.get("items"), f"/results/speaker_labels/segments/{s}/items", "a list of items"):
            if isinstance(item, dict) and item.get("start_time") is not None and item.get("speaker_label"):
                found[str(item["start_time"])] = str(item["speaker_label"])
    return found


def _aws_channels(channel_labels: Any) -> dict[str, str]:
    """Channel identification: start time -> the channel (`ch_0`, `ch_1`) whose item starts then."""
    found: dict[str, str] = {}
    channels = channel_labels.get("channels") if isinstance(channel_labels, dict) else None
    for c, channel in enumerate(_seq(channels, "/results/channel_labels/channels", "a list of channels")):
        label = channel.get("channel_label") if isinstance(channel, dict) else None
        if not label:
            continue
        for item in _seq(channel.get("items"), f"/results/channel_labels/channels/{c}/items", "a list of items"):
            if isinstance(item, dict) and item.get("start_time") is not None:
                found[str(item["start_time"])] = str(label)
    return found


def _speechmatics(results: list[Any]) -> list[Piece]:
    """Speechmatics JSON: one item per word or punctuation mark, the speaker on its best alternative.
    A mark attaches to the word before it (`previous`, the default), after it (`next`: "*great")
    or both ("for-sure"). With channel diarization each item's `channel` (`Channel 1`, or the label
    the job gave it) is its speaker, or holds its speakers (`Agent S1`), and the items of all channels
    go in the order they were said."""
    channels = _channels_named([item.get("channel") for item in results if isinstance(item, dict)], 1)
    pieces = []
    joins_next = False
    for i, item in enumerate(results):
        content = _first_content(item)
        if content is None:
            continue
        speaker = item["alternatives"][0].get("speaker")
        speaker = None if speaker == "UU" else _label(speaker)
        channel = _label(item.get("channel")) if not isinstance(item.get("channel"), dict | list) else None
        if channel is not None:
            speaker = f"{channel} {speaker}" if speaker is not None and channels else speaker or channel
        attaches = item.get("attaches_to", "previous") if item.get("type") == "punctuation" else None
        pieces.append(Piece(content, f"/results/{i}/alternatives/0/content", _time(item.get("start_time")),
                            _time(item.get("end_time")), speaker,
                            attached=joins_next or attaches in ("previous", "both")))
        joins_next = attaches in ("next", "both")
    return _in_time_order([pieces]) if channels else pieces


def _google(results: list[Any], pointer: str) -> list[Piece]:
    """Google Cloud Speech-to-Text: each result's best transcript, timed by its words when it has them,
    else from where the channel's result before it ended (the recording's start for the first) to
    its `resultEndTime` (v1) or `resultEndOffset` (v2). With diarization the last result's
    words are every word of the file, each with its `speakerTag` (Google's documented shape): those
    words, then, and not the transcripts, which say them again. With several channels
    (`channelTag`, from 1) each channel is a speaker, `Channel 1` and on, and the results of all go
    in the order they were said."""
    bests = [_google_best(result) for result in results]
    tagged = _google_diarized(bests)
    if tagged is not None:
        return list(_google_words(bests[tagged]["words"], f"{pointer}/{tagged}/alternatives/0/words"))
    channels = _channels_named([r.get("channelTag") for r in results if isinstance(r, dict)], 1)
    pieces = []
    ended: dict[Any, float] = {}  # where each channel's last result ended: a result without words starts there
    for i, (result, best) in enumerate(zip(results, bests, strict=True)):
        if best is None or not isinstance(best.get("transcript"), str):
            continue
        where = f"{pointer}/{i}/alternatives/0/words"
        words = [w for w in _seq(best.get("words"), where, "a list of words") if isinstance(w, dict)]
        channel = result.get("channelTag")
        start = (_time(words[0].get("startTime", words[0].get("startOffset"))) if words
                 else ended.get(channel, 0.0))
        end = _time(words[-1].get("endTime", words[-1].get("endOffset")) if words
                    else _first(result, "resultEndTime", "resultEndOffset"))
        if end is not None:
            ended[channel] = end
        speaker = channels.get(channel) if channels else None
        pieces.append(Piece(best["transcript"], f"{pointer}/{i}/alternatives/0/transcript", start, end, speaker))
    return _in_time_order([pieces]) if channels else pieces


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
    labels = _seq(speaker_labels, "/speaker_labels", "a list of speaker labels")
    speakers = {_watson_key(label["from"]): label.get("speaker") for label in labels
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
            speaker = speakers.get(_watson_key(start)) if isinstance(start, int | float) else None
            yield Piece(word, f"/results/{i}/alternatives/0/timestamps/{w}/0", _time(start), _time(end),
                        _label(speaker))


def _watson_key(time: float) -> float | None:
    """A Watson time as its words and its speaker labels are matched by it (to the hundredth)."""
    said = _time(time)
    return None if said is None else round(said, 2)


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
        for e, element in enumerate(_seq(monologue.get("elements"), f"{pointer}/{m}/elements", "a list of elements")):
            if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                continue
            kind = element.get("type")
            if kind in ("text", "punct"):
                yield Piece(element["value"], f"{pointer}/{m}/elements/{e}/value", _time(element.get("ts")),
                            _time(element.get("end_ts")), speaker, attached=kind == "punct")


def _azure(phrases: list[Any]) -> list[Piece]:
    """Azure batch transcription: each recognised phrase's best display text; times in 100 ns ticks.
    With several channels (`channel`, from 0) each channel is a speaker where the phrase names none,
    `Channel 1` and on, and the phrases of all go in the order they were said."""
    channels = _channels_named([phrase.get("channel") for phrase in phrases if isinstance(phrase, dict)], 0)
    pieces = []
    for i, phrase in enumerate(phrases):
        best = phrase.get("nBest") if isinstance(phrase, dict) else None
        if not isinstance(best, list) or not best or not isinstance(best[0], dict):
            continue
        if not isinstance(best[0].get("display"), str):
            continue
        start = _time(phrase.get("offsetInTicks"), 1e7)
        duration = _time(phrase.get("durationInTicks"), 1e7)
        end = _end(start, duration)
        piece = Piece(best[0]["display"], f"/recognizedPhrases/{i}/nBest/0/display", start, end,
                      _label(phrase.get("speaker")))
        channel = channels.get(phrase.get("channel")) if channels else None
        pieces.append(_in_channel(piece, channel) if channel else piece)
    return _in_time_order([pieces]) if channels else pieces


def _whisper_cpp(transcription: list[Any]) -> Iterator[Piece]:
    """whisper.cpp's `--output-json`: segments with `offsets` in milliseconds; with `-di` (stereo
    diarization) a `speaker` on each, `0` or `1` (the louder channel; `?` when neither is), and with
    tinydiarize (`-tdrz`) `speaker_turn_next: true` where the next segment is another speaker's."""
    turn_next = False
    for i, segment in enumerate(transcription):
        if isinstance(segment, dict) and isinstance(segment.get("text"), str):
            offsets = segment.get("offsets") if isinstance(segment.get("offsets"), dict) else {}
            yield Piece(segment["text"], f"/transcription/{i}/text", _time(offsets.get("from"), 1000.0),
                        _time(offsets.get("to"), 1000.0), _label(segment.get("speaker")), new_turn=turn_next)
            turn_next = segment.get("speaker_turn_next") is True


def _call_analytics(data: dict[str, Any]) -> Iterator[Piece]:
    """Amazon Transcribe Call Analytics (and Contact Lens) output: `Transcript[]` turns, each with its
    `Content`, `BeginOffsetMillis`/`EndOffsetMillis` and `ParticipantRole` (`AGENT`, `CUSTOMER`), else a
    `ParticipantId` that `Participants[]` gives a role, else that id."""
    roles = {p.get("ParticipantId"): p.get("ParticipantRole") for p in _seq(data.get("Participants"), "/Participants",
                                                                           "a list of participants")
             if isinstance(p, dict) and isinstance(p.get("ParticipantId"), str)}
    for i, turn in enumerate(data["Transcript"]):
        if not isinstance(turn, dict) or not isinstance(turn.get("Content"), str):
            continue
        speaker = (_label(turn.get("ParticipantRole")) or _label(roles.get(turn.get("ParticipantId")))
                   or _label(turn.get("ParticipantId")))
        yield Piece(turn["Content"], f"/Transcript/{i}/Content", _time(turn.get("BeginOffsetMillis"), 1000.0),
                    _time(turn.get("EndOffsetMillis"), 1000.0), speaker)


def _has_channel_transcripts(items: Any) -> bool:
    """Whether `items` is ElevenLabs' multichannel `transcripts` (one per channel, each with its `words`)."""
    return isinstance(items, list) and any(isinstance(item, dict) and isinstance(item.get("words"), list)
                                           for item in items)


def _elevenlabs_channels(transcripts: list[Any]) -> list[Piece]:
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
        words = _seq(transcript.get("words"), where, "a list of words")
        pieces = list(_words(words, where, _unit(words)))
        if not any(piece.text.strip() for piece in pieces) and isinstance(transcript.get("text"), str):
            pieces = [Piece(transcript["text"], f"/transcripts/{t}/text", None, None)]
        tiers.append([piece if piece.speaker else dataclasses.replace(piece, speaker=channel) for piece in pieces])
    return _in_time_order(tiers)


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
        except OverflowError:
            part = next((v for v in (value.get("seconds"), value.get("nanos")) if isinstance(v, int)
                         and abs(v) > 10**300), value)
            raise _Malformed(None, "a time", part) from None
    elif isinstance(value, str):
        try:
            value = seconds(value.strip(), "") if ":" in value else float(value.strip().removesuffix("s"))
        except (ValueError, CorpusError):
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        said = float(value) / unit
    except OverflowError:  # a whole number of hundreds of digits: no time
        raise _Malformed(None, "a time", value) from None
    return round(said, 3) if math.isfinite(said) else None


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
