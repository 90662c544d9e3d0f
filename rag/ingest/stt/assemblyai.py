"""AssemblyAI's `utterances`. (Its `sentences`, `paragraphs` and `words` are lists of timed items:
`timed_lists`.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def assemblyai(utterances: list[Any]) -> Iterator[Piece]:
    """AssemblyAI's `utterances`: one speaker's words each, in milliseconds."""
    for i, utterance in enumerate(utterances):
        if isinstance(utterance, dict) and isinstance(utterance.get("text"), str):
            # AssemblyAI gives milliseconds.
            yield Piece(utterance["text"], f"/utterances/{i}/text", time_of(utterance.get("start"), 1000.0),
                        time_of(utterance.get("end"), 1000.0), speaker_label(utterance.get("speaker")))
