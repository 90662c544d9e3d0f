"""Front matter: the YAML (`---`) or TOML (`+++`) block that static-site generators, note apps and
transcript archives put above a Markdown or text transcript.

Its `title`, `date` and media URL are the document's; the block itself is neither words nor a
header to index, so the readers of plain text skip it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rag.ingest import boilerplate

_FENCES = ("---", "+++")
_MAX_LINES = 100
# A top-level `key: value` (YAML) or `key = value` (TOML); a key with no value takes the list
# items (`  - Name`) below it.
_FIELD = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*[:=]\s*(?P<value>.*)$")
_ITEM = re.compile(r"^\s+-\s+(?P<value>\S.*)$")
_SPEAKER_KEYS = ("speakers", "speaker")
_DATE_KEYS = ("date", "published", "pubdate", "publishdate", "recorded", "aired")
_MEDIA_KEYS = ("media", "media_url", "video", "video_url", "audio", "audio_url", "youtube", "youtube_url", "recording",
               "recording_url", "enclosure")


@dataclass(frozen=True)
class FrontMatter:
    """What a front matter block says, and where it ends."""

    end: int
    """Offset just past the closing fence's line: the transcript starts here."""
    title: str | None
    date: str | None
    """ISO `YYYY-MM-DD`."""
    date_text: str | None
    """The date as the block writes it."""
    media_url: str | None
    """An `http(s)` URL of the recording."""
    speakers: tuple[str, ...] = ()
    """Who speaks, as the block lists them (`speakers: ['Ana Diaz']`, or one per `- ` line)."""


def read_front_matter(text: str) -> FrontMatter | None:
    """The block opening `text` (after blank lines or a byte-order mark), if it has one with at
    least one `key: value` field between its fences."""
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip("\ufeff \t\r\n")), None)
    if first is None or lines[first].strip("\ufeff \t\r\n") not in _FENCES:
        return None
    fence = lines[first].strip("\ufeff \t\r\n")
    last = min(len(lines), first + _MAX_LINES)
    closing = next((i for i in range(first + 1, last) if lines[i].strip() == fence), None)
    if closing is None:
        return None
    fields: dict[str, str] = {}
    items: dict[str, list[str]] = {}
    key = ""
    for line in lines[first + 1 : closing]:
        line = line.rstrip("\r\n")
        if (match := _FIELD.match(line)) is not None:
            key = match["key"].lower()
            fields.setdefault(key, _unquoted(match["value"]))
        elif (item := _ITEM.match(line)) is not None and key:
            items.setdefault(key, []).append(_unquoted(item["value"]))
        elif line[:1].isspace() and line.strip() and key and fields.get(key):
            # A long value folded onto indented lines (`title: ... (CPO at Faire,` / `  ex-WhatsApp)`).
            fields[key] = _unquoted(f"{fields[key]} {line.strip()}")
    if not fields:
        return None
    speakers = next((_names(fields[k], items.get(k, [])) for k in _SPEAKER_KEYS if k in fields), ())
    when = next((fields[key] for key in _DATE_KEYS if fields.get(key)), None)
    date = _date(when) if when else None
    media = next((fields[key] for key in _MEDIA_KEYS if fields.get(key, "").startswith(("http://", "https://"))), None)
    return FrontMatter(
        end=sum(len(line) for line in lines[: closing + 1]), title=fields.get("title") or None,
        date=date[0] if date else None, date_text=date[1] if date else None, media_url=media, speakers=speakers,
    )


def _unquoted(value: str) -> str:
    return value.strip().strip("'\"").strip()


def _names(value: str, items: list[str]) -> tuple[str, ...]:
    """A list field: its `- ` items, an inline `[a, 'b']` list, or one value."""
    if items:
        return tuple(name for name in items if name)
    inline = value.strip()
    if inline.startswith("[") and inline.endswith("]"):
        return tuple(name for part in inline[1:-1].split(",") if (name := _unquoted(part)))
    return (inline,) if inline else ()


def _date(value: str) -> tuple[str, str] | None:
    """ISO 8601 as YAML and TOML write it (`2023-06-14T09:00:00+01:00`), else any date with a year
    (`June 14, 2023`); as (ISO date, text as written)."""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat(), value[:10]
    except ValueError:
        return boilerplate.find_full_date(value)
