"""The sidecar beside a transcript (`NAME.speakers.json` for `NAME.vtt`, `NAME.json`, ...): who the
diarization labels are, and the recording's title, date and media URL.

```json
{"title": "Press briefing", "date": "2024-07-19", "media_url": "https://example.org/briefing.mp4",
 "speakers": {"SPEAKER_00": {"name": "Jane Doe", "role": "Spokesperson"}, "A": "John Roe"}}
```
Every field is optional; what the sidecar gives overrides the file's own metadata.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from rag.errors import CorpusError
from rag.ingest.timed import Metadata
from rag.types import Speaker

SIDECAR_SUFFIX = ".speakers.json"


def sidecar_path(path: Path) -> Path:
    """Where the sidecar of the transcript at `path` would be."""
    return path.with_name(path.stem + SIDECAR_SUFFIX)


def sidecar_name(doc_id: str) -> str:
    """The file name of the sidecar of document `doc_id`."""
    return sidecar_path(Path(doc_id)).name


def is_sidecar(path: Path) -> bool:
    """True for a sidecar file (never a document of its own)."""
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def read_sidecar(data: bytes, name: str) -> Metadata:
    """The metadata in a sidecar's bytes; CorpusError says what is wrong, naming the file."""
    try:
        content: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{name}: not a valid JSON sidecar ({exc})") from None
    if not isinstance(content, dict):
        raise CorpusError(f"{name}: a sidecar is a JSON object with title, date, media_url and speakers")
    return Metadata(
        title=_text(content, "title", name), date=_date(content.get("date"), name),
        media_url=_text(content, "media_url", name), speakers=_speakers(content.get("speakers"), name),
    )


def _text(content: dict[str, Any], key: str, name: str) -> str | None:
    value = content.get(key)
    if value is not None and not isinstance(value, str):
        raise CorpusError(f"{name}: {key} must be a string, got {value!r}")
    return value.strip() or None if value else None


def _date(value: Any, name: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise CorpusError(f"{name}: date must be YYYY-MM-DD, got {value!r}") from None


def _speakers(value: Any, name: str) -> dict[str, Speaker]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CorpusError(f"{name}: speakers must map each label to a name or to {{name, role}}")
    speakers = {}
    for label, person in value.items():
        if isinstance(person, str) and person.strip():
            speakers[str(label)] = Speaker(person.strip())
        elif isinstance(person, dict) and isinstance(person.get("name"), str) and person["name"].strip():
            role = person.get("role")
            speakers[str(label)] = Speaker(person["name"].strip(), role.strip() if isinstance(role, str) else None)
        else:
            raise CorpusError(f"{name}: speaker {label!r} must be a name or {{\"name\": ..., \"role\": ...}}")
    return speakers
