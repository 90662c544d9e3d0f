"""Times in speech-to-text JSON: a value read as seconds, an item's start and end whichever keys it
keeps them under, and whether a list's unnamed whole-number times are seconds or milliseconds."""

from __future__ import annotations

import itertools
import math
import statistics
from typing import Any

from rag.errors import CorpusError
from rag.ingest.captions import seconds
from rag.ingest.stt.fields import TEXT_KEYS, WORD_KEYS, key_in
from rag.ingest.stt.malformed import Malformed


def time_of(value: Any, unit: float = 1.0) -> float | None:
    """Seconds from a number, a numeric string (Amazon's `"12.5"`), Google's `"12.5s"` or its
    `{"seconds": ..., "nanos": ...}`, a clock time (`"00:01:02.5"`); None when the value is none of these."""
    if isinstance(value, dict):
        try:
            value = float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
        except (TypeError, ValueError):
            return None
        except OverflowError:
            part = next((v for v in (value.get("seconds"), value.get("nanos")) if isinstance(v, int)
                         and abs(v) > 10**300), value)
            raise Malformed(None, "a time", part) from None
    elif isinstance(value, str):
        try:
            value = seconds(value.strip(), "") if ":" in value else float(value.strip().removesuffix("s"))
        except (ValueError, CorpusError):
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        said = float(value) / unit
    except OverflowError:  # a whole number of hundreds of digits: no time
        raise Malformed(None, "a time", value) from None
    return round(said, 3) if math.isfinite(said) else None


def end_of(start: float | None, duration: float | None) -> float | None:
    """When something that starts at `start` and lasts `duration` (both seconds) ends."""
    return round(start + duration, 3) if start is not None and duration is not None else None


_WALL_CLOCK = 1e8
"""Seconds (three years) past which a time is a clock reading (Unix time), not a place in the recording."""

_STARTS = (("start", None), ("startTime", None), ("start_time", None), ("time", None), ("start_ms", 1000.0),
           ("startMs", 1000.0), ("start_time_ms", 1000.0), ("startTimeMs", 1000.0), ("startMillis", 1000.0))
_ENDS = (("end", None), ("endTime", None), ("end_time", None), ("end_ms", 1000.0), ("endMs", 1000.0),
         ("end_time_ms", 1000.0), ("endTimeMs", 1000.0), ("endMillis", 1000.0))
_DURATIONS = (("duration", None), ("duration_ms", 1000.0), ("durationMs", 1000.0))
"""Where an item keeps its start, end and duration: each key with its unit, when its name says
milliseconds (`start_ms`), else None (the unit the list's times show). `start_time`/`end_time` are
NeMo's (seconds), `time` Speechmatics v1's and Trint's."""
_Time = tuple[Any, float | None]


def _raw_times(item: dict[str, Any]) -> tuple[_Time, _Time, _Time]:
    """An item's start, end and duration as the file writes them (any may be None), each with the unit
    its key's name gives (None: none named): `start`/`end`, `startTime`/`endTime`, `start_time`/`end_time`,
    `start_ms`/`end_ms` and kin, `time` and `duration` (Speechmatics v1, Trint), or `timestamp: [start, end]`."""
    stamp = item.get("timestamp")
    if isinstance(stamp, list) and len(stamp) == 2:
        return (stamp[0], None), (stamp[1], None), (None, None)

    def found(keys: tuple[tuple[str, float | None], ...]) -> _Time:
        return next(((item[key], unit) for key, unit in keys if item.get(key) is not None), (None, None))

    return found(_STARTS), found(_ENDS), found(_DURATIONS)


def item_span(item: dict[str, Any], unit: float) -> tuple[float | None, float | None]:
    """When an item starts and ends, in seconds. A clock reading (Unix time) is no place in the recording,
    so it gives none; an item with a start and no end (Hugging Face's last chunk) ends as it starts."""
    (start, start_unit), (end, end_unit), (duration, duration_unit) = _raw_times(item)
    start_time = time_of(start, start_unit or unit)
    end_time = time_of(end, end_unit or unit)
    if end_time is None:
        end_time = end_of(start_time, time_of(duration, duration_unit or unit))
    if start_time is None or start_time > _WALL_CLOCK:
        return None, None
    return start_time, start_time if end_time is None else end_time


_TYPICAL_MS = 100
"""Whole-number times are milliseconds when the typical item lasts this many or more: a word lasts a
few hundred milliseconds, a segment thousands, while no tool cuts speech into items of 100 seconds
or more (Whisper's last at most 30)."""

_MOST_PER_SECOND = 60
"""More characters a second than anyone speaks (15 is usual; an auctioneer's 30)."""

_MOST_SECONDS_PER_CHARACTER = 20
"""More seconds a character than any transcript takes, music and silence counted in (speech takes
0.07 s a character, 0.3 s in Chinese)."""

_NO_RECORDING_MS = 10**15  # some 31,000 years


def time_unit(items: list[Any]) -> float:
    """1000 when the items' times are milliseconds, else 1 (seconds): each time a whole number (no key
    naming its unit), and the typical item lasting `_TYPICAL_MS` or more of them (the median of the
    items' durations, else of the gaps between their starts), unless milliseconds would have the
    items say more than `_MOST_PER_SECOND` characters a second; or the typical item lasting fewer, but
    seconds having them say a character in more than `_MOST_SECONDS_PER_CHARACTER` (a character-level
    alignment in milliseconds). The whole list is judged: the pace of its characters alone made a 30 s
    `[music]` segment milliseconds, and every time 1000 times too small."""
    durations: list[float] = []
    starts: list[float] = []
    lasting = characters = 0.0
    for item in items:
        if not isinstance(item, dict):
            continue
        (start, start_unit), (end, end_unit), (duration, duration_unit) = _raw_times(item)
        unnamed = [t for t, unit in ((start, start_unit), (end, end_unit), (duration, duration_unit))
                   if t is not None and unit is None]
        # A time past any recording (hundreds of digits) is judged where it is read, naming its pointer.
        if any(isinstance(t, bool) or not isinstance(t, int) or abs(t) > _NO_RECORDING_MS for t in unnamed):
            return 1.0
        if start is not None and start_unit is None:
            starts.append(start)
        if start is not None and start_unit is None and end is not None and end_unit is None:
            durations.append(end - start)
        elif duration is not None and duration_unit is None:
            durations.append(duration)
        else:
            continue
        key = key_in(item, TEXT_KEYS + WORD_KEYS)
        if key is not None and durations[-1] > 0:
            lasting += durations[-1]
            characters += len(item[key].strip())
    positive = [d for d in durations if d > 0]
    if not positive:
        ordered = sorted(set(starts))
        positive = [b - a for a, b in itertools.pairwise(ordered)]
    if not positive:
        return 1.0
    if statistics.median(positive) >= _TYPICAL_MS:
        return 1.0 if characters and characters / (lasting / 1000) > _MOST_PER_SECOND else 1000.0
    return 1000.0 if characters and lasting / characters > _MOST_SECONDS_PER_CHARACTER else 1.0
