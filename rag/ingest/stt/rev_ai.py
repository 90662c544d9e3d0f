"""Rev.ai: `monologues` of text and punctuation elements."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.malformed import as_list
from rag.ingest.stt.speakers import speaker_label
from rag.ingest.stt.times import time_of
from rag.ingest.timed import Piece


def has_elements(items: Any) -> bool:
    """Whether `items` is a list of Rev.ai-like monologues (each with its `elements`)."""
    return isinstance(items, list) and any(isinstance(item, dict) and isinstance(item.get("elements"), list)
                                           for item in items)


def rev_ai(monologues: list[Any], pointer: str) -> Iterator[Piece]:
    """Rev.ai: monologues of one speaker, each a list of text and punctuation elements."""
    for m, monologue in enumerate(monologues):
        if not isinstance(monologue, dict):
            continue
        speaker = speaker_label(monologue.get("speaker_name")) or speaker_label(monologue.get("speaker"))
        elements = as_list(monologue.get("elements"), f"{pointer}/{m}/elements", "a list of elements")
        for e, element in enumerate(elements):
            if not isinstance(element, dict) or not isinstance(element.get("value"), str):
                continue
            kind = element.get("type")
            if kind in ("text", "punct"):
                yield Piece(element["value"], f"{pointer}/{m}/elements/{e}/value", time_of(element.get("ts")),
                            time_of(element.get("end_ts")), speaker, attached=kind == "punct")
