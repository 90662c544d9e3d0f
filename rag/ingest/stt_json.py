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
of its string (`char=a,b`, in a `.jsonl` file, whose lines no one pointer reaches).

The reader is here (JSON or JSON Lines decoded, refusals worded, metadata); `stt.shapes` tells the
shapes apart, and each vendor's is read in a module of its own under `rag/ingest/stt/`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import PurePosixPath
from typing import Any

from rag.errors import CorpusError
from rag.ingest.stt.json_text import BLANK, DECODER, Layout, line_of, string_at, too_many_digits
from rag.ingest.stt.malformed import Malformed, described, pointer_to
from rag.ingest.stt.shapes import pieces_of, shape_metadata
from rag.ingest.stt.surrogates import SURROGATE, without_lone_surrogates
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_MEDIA_KEYS = ("media_url", "video_url", "audio_url", "url")


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
            raise too_many_digits(doc_id, text, 0) from None
        data = without_lone_surrogates(data) if SURROGATE.search(text) else data
        try:
            pieces = pieces_of(doc_id, data)
        except Malformed as exc:
            raise CorpusError(f"{doc_id}: {described(exc, data)}") from None
        own = _metadata(data) if isinstance(data, dict) else Metadata()
        own = shape_metadata(data, pieces, own)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _json_lines(doc_id: str, text: str) -> list[Piece]:
    """JSON Lines (one item a line, or values merely one after another) read as a list of those items,
    each piece pointing at its string's characters between the quotes (JSON escapes as written)."""
    items, starts = [], []
    position = BLANK.match(text, 0).end()
    while position < len(text):
        try:
            item, end = DECODER.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise CorpusError(f"{doc_id}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise CorpusError(f"{doc_id}: line {line_of(text, position)}: JSON nested too deeply to read "
                              "(no transcript nests so)") from None
        except ValueError:  # an integer past the interpreter's 4300 digits
            raise too_many_digits(doc_id, text, position) from None
        items.append(without_lone_surrogates(item) if SURROGATE.search(text, position, end) else item)
        starts.append(position)
        position = BLANK.match(text, end).end()
    try:
        found = pieces_of(doc_id, items)
    except Malformed as exc:
        pointer = exc.pointer if exc.pointer is not None else pointer_to(items, exc.value)
        _, line, *path = (pointer or "/0").split("/")
        where = "/" + "/".join(path)
        raise CorpusError(f"{doc_id}: line {line_of(text, starts[int(line)])}: "
                          f"{described(Malformed(where, exc.expected, exc.value, exc.shape), None)}") from None
    pieces = []
    layouts: dict[int, Layout] = {}
    for piece in found:
        _, line, *path = piece.source.split("/")
        start, end = string_at(text, starts[int(line)], path, layouts)
        pieces.append(dataclasses.replace(piece, source=f"char={start},{end}"))
    return pieces


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
