"""The JSON text beneath the decoded values: where a string's characters lie (a `.jsonl` file's pieces
point at them, as no one JSON pointer reaches its lines), the line a place is on, and the refusal of a
number too long for Python to read."""

from __future__ import annotations

import json
import re
from json.decoder import scanstring

from rag.errors import CorpusError

DECODER = json.JSONDecoder()
"""One decoder for every value read at a place in the text (`raw_decode`)."""

BLANK = re.compile(r"[ \t\r\n\ufeff]*")
"""JSON's white space, and the byte-order mark some files open with (no JSON value)."""

Layout = dict[str, int] | list[int]
"""Where each value of a container begins: an object's by key, an array's in order."""


def line_of(text: str, position: int) -> int:
    """The line (from 1) on which `position` of `text` lies."""
    return text.count("\n", 0, position) + 1


def too_many_digits(doc_id: str, text: str, position: int) -> CorpusError:
    """The refusal of a file holding an integer of more digits than Python reads (4300): no time nor
    anything else a transcript holds is written so."""
    found = re.compile(r"[0-9]{4301,}").search(text, position)
    if found is None:
        return CorpusError(f"{doc_id}: a number too long to read (more than 4300 digits)")
    line = line_of(text, found.start())
    column = found.start() - text.rfind("\n", 0, found.start())
    return CorpusError(f"{doc_id}: line {line}, column {column}: a number of {len(found.group())} digits, "
                       "too long to read (more than 4300); no transcript writes one")


def string_at(text: str, position: int, path: list[str], layouts: dict[int, Layout]) -> tuple[int, int]:
    """The characters between the quotes of the string reached by `path` (JSON pointer keys) from the
    value at `position` of `text`. `layouts` keeps where each container's values begin, found once:
    a line's words are many pointers into the same arrays."""
    for key in path:
        opening = BLANK.match(text, position).end()
        if opening not in layouts:
            layouts[opening] = _members(text, opening) if text[opening] == "{" else _elements(text, opening)
        layout = layouts[opening]
        position = layout[key] if isinstance(layout, dict) else layout[int(key)]
    opening = BLANK.match(text, position).end()
    _, closing = scanstring(text, opening + 1)
    return opening + 1, closing - 1


def _members(text: str, opening: int) -> dict[str, int]:
    """Where the value of each member of the object at `opening` begins (a repeated key's last, as
    `json.loads` keeps the last)."""
    found: dict[str, int] = {}
    position = BLANK.match(text, opening + 1).end()
    while text[position] == '"':
        name, position = scanstring(text, position + 1)
        position = BLANK.match(text, BLANK.match(text, position).end() + 1).end()  # past the colon
        found[name] = position
        _, position = DECODER.raw_decode(text, position)
        position = BLANK.match(text, position).end()
        position = BLANK.match(text, position + 1).end() if text[position] == "," else position
    return found


def _elements(text: str, opening: int) -> list[int]:
    """Where each element of the array at `opening` begins."""
    found: list[int] = []
    position = BLANK.match(text, opening + 1).end()
    while text[position] != "]":
        found.append(position)
        _, position = DECODER.raw_decode(text, position)
        position = BLANK.match(text, position).end()
        position = BLANK.match(text, position + 1).end() if text[position] == "," else position
    return found
