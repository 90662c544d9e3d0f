"""Speakers as speech-to-text JSON names them: a label as text, and an item's own speaker or its
words' most common one."""

from __future__ import annotations

from typing import Any

from rag.ingest.names import NO_SPEAKER

_SPEAKER_KEYS = ("speaker_name", "speaker", "speaker_id")


def speaker_of(segment: dict[str, Any]) -> str | None:
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
    return next((label for key in _SPEAKER_KEYS if (label := speaker_label(item.get(key))) is not None), None)


def speaker_label(value: Any) -> str | None:
    """A speaker label as text; None for none (`Unknown`, `?`, empty)."""
    # Deepgram numbers its speakers from 0; a bare number reads better with a word in front.
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return f"Speaker {str(value).strip()}"
    label = str(value).strip()
    return None if label.lower() in NO_SPEAKER else label
