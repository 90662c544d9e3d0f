"""Where an item of speech-to-text JSON keeps its words and other values: the keys tried, in order,
and the checks of what a value holds."""

from __future__ import annotations

from typing import Any

TEXT_KEYS = ("text", "body", "transcription", "transcript", "pred_text")
"""Where an item keeps its words: `text`, `body` (Podcasting 2.0), `transcription` or `transcript`
(diarization scripts), `pred_text` (a NeMo manifest's recognised words, where it has no `text`)."""

WORD_KEYS = ("punct", "text", "word", "value", "name")
"""Where a timed word keeps its spelling: Kaldi's punctuated `punct` before its bare `word`; Trint's
`value`; Speechmatics v1's and hyperaudio's `name`."""


def text_key(item: Any) -> str | None:
    """Where an item keeps its words: the first of `TEXT_KEYS` it has."""
    return key_in(item, TEXT_KEYS)


def key_in(item: Any, keys: tuple[str, ...]) -> str | None:
    """The first of `keys` whose value in the item is a string with words, else the first whose value
    is a string (a NeMo manifest's empty `text` beside its `pred_text`)."""
    if not isinstance(item, dict):
        return None
    strings = [key for key in keys if isinstance(item.get(key), str)]
    return next((key for key in strings if item[key].strip()), strings[0] if strings else None)


def has_texts(items: Any) -> bool:
    """Whether `items` is a list whose items carry their words (`text`), not only times and speakers."""
    return isinstance(items, list) and any(text_key(item) is not None for item in items)


def first_of(item: dict[str, Any], *keys: str) -> Any:
    """The value of the first of `keys` the item has."""
    return next((item[key] for key in keys if key in item), None)


def first_content(item: Any) -> str | None:
    """The best alternative's `content` of a word or punctuation item."""
    alternatives = item.get("alternatives") if isinstance(item, dict) else None
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        content = alternatives[0].get("content")
        return content if isinstance(content, str) else None
    return None
