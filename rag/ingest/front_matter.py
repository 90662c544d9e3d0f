"""Front matter: the YAML (`---`) or TOML (`+++`) block that static-site generators, note apps and
transcript archives put above a Markdown or text transcript.

Its `title`, `date`, media URL and speakers are the document's; the block itself is neither words
nor a header to index, so the readers of plain text skip it. The block is read by PyYAML or the
standard library's TOML reader, so quoting, escapes, folded lines and lists mean what they mean
there; a block that does not parse is still skipped, and gives nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from typing import Any

import yaml

from rag.ingest import boilerplate

_MAX_LINES = 200
# A block holds `key: value` (or `key = value`) lines: two rules around prose are no front matter.
_FIELD = re.compile(r"^[A-Za-z][\w-]*\s*[:=]", re.MULTILINE)
# `upload_date: 20140204`: yt-dlp's field, the day a video went up.
_DATE_KEYS = ("date", "published", "upload_date",
              "pubdate", "pub_date", "publishdate", "publish_date", "published_at", "date_published",
              "recorded",
              "recorded_at", "recording_date", "aired", "air_date", "airdate")
_MEDIA_KEYS = ("media", "media_url", "video", "video_url", "audio", "audio_url", "youtube", "youtube_url", "recording",
               "recording_url", "enclosure")
_SPEAKER_KEYS = ("speakers", "speaker")
_MEDIA_PAGE = re.compile(r"^https?://(?:www\.|m\.)?(?:youtube\.com/watch|youtu\.be/|vimeo\.com/\d)|^https?://\S+\.(?:mp3|mp4|m4a|wav|ogg|webm)$",
                         re.IGNORECASE)


class _TextDates(yaml.SafeLoader):
    """PyYAML's safe loader leaving plain dates as text: it raises ValueError on an impossible date
    (`2024-02-30`), and a date's text is read by `_date` like any other field's."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class FrontMatter:
    """What a front matter block says, and where it ends."""

    end: int
    """Offset just past the closing fence's line: the transcript starts here."""
    title: str | None = None
    date: str | None = None
    """ISO `YYYY-MM-DD`."""
    date_text: str | None = None
    """The date as the block writes it."""
    media_url: str | None = None
    """An `http(s)` URL of the recording."""
    speakers: tuple[str, ...] = ()
    """Who speaks, as the block lists them (`speakers: ['Ana Diaz']`)."""


def read_front_matter(text: str) -> FrontMatter | None:
    """The block opening `text` (after blank lines or a byte-order mark), if it has `key: value`
    fields between its fences."""
    lines = text.splitlines(keepends=True)
    first = next((i for i, line in enumerate(lines) if line.strip("\ufeff \t\r\n")), None)
    if first is None or (fence := lines[first].strip("\ufeff \t\r\n")) not in ("---", "+++"):
        return None
    last = min(len(lines), first + _MAX_LINES)
    closing = next((i for i in range(first + 1, last) if lines[i].strip() == fence), None)
    if closing is None:
        return None
    block = "".join(lines[first + 1 : closing])
    if not _FIELD.search(block):
        return None
    end = sum(len(line) for line in lines[: closing + 1])
    fields = _parsed(block, toml=fence == "+++")
    when = next((fields[key] for key in _DATE_KEYS if fields.get(key)), None)
    date = _date(when) if when is not None else None
    media = next((str(fields[key]) for key in _MEDIA_KEYS if str(fields.get(key, "")).startswith(("http://", "https://"))),
                 None) or _media_page(fields.get("url"))
    title = fields.get("title")
    return FrontMatter(
        end=end, title=" ".join(str(title).split()) or None if title is not None else None,
        date=date[0] if date else None, date_text=date[1] if date else None, media_url=media,
        speakers=next((_names(fields[key]) for key in _SPEAKER_KEYS if fields.get(key)), ()),
    )


def _media_page(url: Any) -> str | None:
    """A page `url` that is the recording itself (a video site's page, a media file); not an article's."""
    if isinstance(url, str) and _MEDIA_PAGE.match(url):
        return url
    return None


def _parsed(block: str, *, toml: bool) -> dict[str, Any]:
    """The block's top-level fields, keys in lower case; none when it does not parse."""
    try:
        data = tomllib.loads(block) if toml else yaml.load(block, Loader=_TextDates)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, ValueError, RecursionError):  # ValueError: an explicit `!!timestamp` of no day
        return {}
    return {str(key).lower(): value for key, value in data.items()} if isinstance(data, dict) else {}


def _names(value: Any) -> tuple[str, ...]:
    """A speakers field: a list of names, or one."""
    items = value if isinstance(value, list) else [value]
    return tuple(name for item in items if isinstance(item, str | int) and (name := " ".join(str(item).split())))


def _date(value: Any) -> tuple[str, str] | None:
    """A date as YAML and TOML give it (a date or datetime), as ISO 8601 text, or any date with a
    year (`July 15th, 2021`); as (ISO date, text as written)."""
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat(), day.isoformat()
    text = " ".join(str(value).split())
    try:
        return dt.date.fromisoformat(text[:10]).isoformat(), text[:10]
    except ValueError:
        return boilerplate.find_full_date(text)
