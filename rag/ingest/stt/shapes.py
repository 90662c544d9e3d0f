"""Which shape speech-to-text JSON has, told by the keys that decide it, and its pieces read by that
shape's module; the refusal of JSON of no shape known, or whose deciding key holds a value of the
wrong kind."""

from __future__ import annotations

import dataclasses
from typing import Any

from rag.errors import CorpusError
from rag.ingest import json_transcripts
from rag.ingest.stt.assemblyai import assemblyai
from rag.ingest.stt.aws import aws_items, aws_transcribe, call_analytics
from rag.ingest.stt.azure import azure_batch, azure_fast, azure_sdk
from rag.ingest.stt.deepgram import deepgram, deepgram_channel, deepgram_live, is_deepgram_message
from rag.ingest.stt.elevenlabs import elevenlabs_channels, has_channel_transcripts
from rag.ingest.stt.fields import has_texts
from rag.ingest.stt.google import google
from rag.ingest.stt.malformed import Malformed
from rag.ingest.stt.rev_ai import has_elements, rev_ai
from rag.ingest.stt.speechmatics import speechmatics
from rag.ingest.stt.timed_lists import speaker_spans, timed_items, timed_words
from rag.ingest.stt.times import time_unit
from rag.ingest.stt.watson import has_word_timestamps, watson
from rag.ingest.stt.whisper_cpp import whisper_cpp
from rag.ingest.stt.youtube import youtube_json3
from rag.ingest.timed import Metadata, Piece

_AWS_KEYS = ("audio_segments", "items", "transcripts")


def pieces_of(doc_id: str, data: Any) -> list[Piece]:
    """The pieces of whichever shape `data` has (their times made sane by `build_transcript`, as every
    reader's are); CorpusError when it has none known, Malformed where a value is not of the kind its
    shape needs. A file whose shape gives no words but that has a top-level `text` (OpenAI's
    `verbose_json` with no segments) is that text."""
    pieces = _shaped(doc_id, data)
    if not any(piece.text.strip() for piece in pieces) and isinstance(data, dict) and isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    return pieces


def _shaped(doc_id: str, data: Any) -> list[Piece]:
    """The pieces of whichever shape `data` has, as the file gives them."""
    if isinstance(data, list):
        return _from_list(data)
    if not isinstance(data, dict):
        raise _unknown_shape(doc_id)
    if isinstance(data.get("response"), dict) and "done" in data:
        return _from_operation(doc_id, data["response"])
    return _from_object(doc_id, data)


def _from_list(data: list[Any]) -> list[Piece]:
    """The pieces of a top-level list: results or items saved without their envelope, messages, or
    timed items; told apart by the first item's keys."""
    first = data[0] if data and isinstance(data[0], dict) else {}
    if "NBest" in first or "DisplayText" in first:
        return list(azure_sdk(data))
    if "alternatives" in first and "type" in first:
        return list(aws_items(data, ""))  # Amazon Transcribe's items saved without their envelope
    if "alternatives" in first:
        return list(google(data, ""))  # Google's results saved without their envelope
    if any(is_deepgram_message(item) for item in data):
        return deepgram_live(data)  # Deepgram's live messages saved as a list or as JSON Lines
    if not has_texts(data) and (found := _transcript_shape(data)) is not None:
        return found.pieces  # chat messages, or conversations each holding them
    return list(timed_items(data, "", time_unit(data)))


def _from_operation(doc_id: str, response: dict[str, Any]) -> list[Piece]:
    """A Google long-running operation saved as returned: its `response` holds the results, and every
    pointer (of a piece, or of a malformed value) goes through it."""
    try:
        inner = _shaped(doc_id, response)
    except Malformed as exc:
        raise Malformed(None if exc.pointer is None else f"/response{exc.pointer}", exc.expected,
                         exc.value, exc.shape) from None
    return [dataclasses.replace(piece, source=f"/response{piece.source}") for piece in inner]


def _from_object(doc_id: str, data: dict[str, Any]) -> list[Piece]:
    """The pieces of a top-level object, by the first key that decides a shape. The order is what tells
    shapes apart where they share keys (`utterances`, `results`, `words`, `transcription`), so a check
    moved up or down, here or within the functions asked in turn, reads some files as another shape."""
    for shape in (_timed_lists, _results, _own_keys, _word_lists, _any_list_or_text):
        found = shape(data)
        if found is not None:
            return found
    _refuse_malformed(data)
    raise _unknown_shape(doc_id)


def _timed_lists(data: dict[str, Any]) -> list[Piece] | None:
    """Segments, utterances, phrases, sentences, paragraphs or chunks, each with its times; else None."""
    transcription = (data.get("result") or {}).get("transcription") if isinstance(data.get("result"), dict) else None
    if isinstance(transcription, dict) and isinstance(transcription.get("utterances"), list):
        return list(timed_items(transcription["utterances"], "/result/transcription/utterances"))  # Gladia
    if isinstance(data.get("phrases"), list):
        return list(azure_fast(data["phrases"]))
    if isinstance(data.get("utterances"), list) and data["utterances"]:
        return list(assemblyai(data["utterances"]))
    if isinstance(data.get("segments"), list):
        return list(timed_items(data["segments"], "/segments", time_unit(data["segments"])))
    for key in ("sentences", "paragraphs"):
        if has_texts(data.get(key)):
            # AssemblyAI's sentences and paragraphs endpoints: milliseconds, as all its times; seconds
            # where their times say so (other tools write such lists in seconds).
            return list(timed_items(data[key], f"/{key}", time_unit(data[key])))
    if isinstance(data.get("chunks"), list):
        return list(timed_items(data["chunks"], "/chunks"))  # Hugging Face's ASR pipeline
    return None


def _results(data: dict[str, Any]) -> list[Piece] | None:
    """The recognisers that answer with `results` (Deepgram, Amazon Transcribe, Speechmatics, IBM
    Watson, Google), and Deepgram's live message with its `channel`; else None."""
    results = data.get("results")
    if isinstance(results, dict) and isinstance(results.get("channels"), list):
        return deepgram(results["channels"])
    if isinstance(data.get("channel"), dict):
        return list(deepgram_channel(data["channel"], "/channel"))  # one message of Deepgram's live stream
    if isinstance(results, dict) and any(isinstance(results.get(k), list) for k in _AWS_KEYS):
        return aws_transcribe(results)
    if isinstance(results, list) and results and isinstance(results[0], dict):
        # Speechmatics' items are typed words; Google's and IBM Watson's results are untyped phrases,
        # Watson's with word `timestamps` and its speakers apart, in `speaker_labels`.
        if "type" in results[0] or "alternatives" not in results[0]:
            return speechmatics(results)
        if has_word_timestamps(results[0]):
            return list(watson(results, data.get("speaker_labels")))
        return google(results, "/results")
    return None


def _own_keys(data: dict[str, Any]) -> list[Piece] | None:
    """The shapes told by a key one tool alone writes (Rev.ai, Azure batch, whisper.cpp, YouTube,
    Call Analytics, ElevenLabs' channels); else None."""
    if isinstance(data.get("monologues"), list):
        return list(rev_ai(data["monologues"], "/monologues"))
    if has_elements(data.get("data")):
        return list(rev_ai(data["data"], "/data"))  # Rev.ai's monologues as some apps store them
    if isinstance(data.get("recognizedPhrases"), list):
        return azure_batch(data["recognizedPhrases"])
    if isinstance(data.get("transcription"), list):
        return list(whisper_cpp(data["transcription"]))
    if isinstance(data.get("events"), list):
        return list(youtube_json3(data["events"]))
    if isinstance(data.get("Transcript"), list):
        return list(call_analytics(data))
    if has_channel_transcripts(data.get("transcripts")):
        return elevenlabs_channels(data["transcripts"])
    return None


def _word_lists(data: dict[str, Any]) -> list[Piece] | None:
    """A list of timed words: `words` (AssemblyAI, ElevenLabs, Speechmatics v1, BBC's paper edit...),
    Vosk's `result`, the `retval.words` of BBC's Kaldi service; else None."""
    if isinstance(data.get("words"), list):
        # AssemblyAI without diarization has words and no utterances, timed in milliseconds.
        unit = 1000.0 if "audio_duration" in data else time_unit(data["words"])
        return list(timed_words(data["words"], "/words", unit, speaker_spans(data, unit)))
    if isinstance(data.get("result"), list):
        return list(timed_words(data["result"], "/result", 1.0))  # Vosk
    retval = data.get("retval")
    if isinstance(retval, dict) and isinstance(retval.get("words"), list):
        return list(timed_words(retval["words"], "/retval/words", 1.0))  # BBC's Kaldi service
    return None


def _any_list_or_text(data: dict[str, Any]) -> list[Piece] | None:
    """What is left: a list of timed items under another name (`turns`, `transcript`, `transcriptions`,
    `segment`, or `utterances` left empty), a top-level `text`, or a shape `json_transcripts` reads
    (Oyez, earnings calls, conversations: no recogniser writes them); else None."""
    for key in ("turns", "transcript", "utterances", "transcriptions", "segment"):
        if isinstance(data.get(key), list):
            return list(timed_items(data[key], f"/{key}", time_unit(data[key])))
    if isinstance(data.get("text"), str):
        return [Piece(data["text"], "/text", None, None)]
    found = _transcript_shape(data)
    return found.pieces if found is not None else None


def _transcript_shape(data: Any) -> json_transcripts.Found | None:
    """What `json_transcripts` reads of `data` (Oyez, earnings calls, conversations), else None; a value
    of the wrong kind where its shape needs a time is Malformed."""
    try:
        return json_transcripts.read(data)
    except json_transcripts.Misplaced as exc:
        raise Malformed(exc.pointer, exc.expected, exc.value) from None


def shape_metadata(data: Any, pieces: list[Piece], own: Metadata) -> Metadata:
    """`own` with the title, date, media URL and speakers' roles a shape of `json_transcripts` gives,
    when that shape is the one `pieces` were read from (`_shaped` asks it only where no other shape fits)."""
    if not pieces or not isinstance(data, dict | list) or has_texts(data if isinstance(data, list) else None):
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
    """Malformed for JSON that has no shape known only because a key that decides one holds a value
    of the wrong kind (`"channels": null`, `"results": 3`): the refusal then says where and what."""
    results = data.get("results")
    if "results" in data and not isinstance(results, dict | list):
        raise Malformed("/results", "a list of results (or an object holding them)", results, shape=True)
    if isinstance(results, dict):
        for key, expected in _RESULT_LISTS.items():
            if key in results and not isinstance(results[key], list):
                raise Malformed(f"/results/{key}", expected, results[key], shape=True)
    for key, expected in _LISTS.items():
        if key in data and not isinstance(data[key], list):
            raise Malformed(f"/{key}", expected, data[key], shape=True)


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
