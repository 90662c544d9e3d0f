"""Transcripts as tables (`.csv`, `.tsv`): a row per utterance, a column for its words and, where
the file has them, columns for the speaker and the times.

Whisper writes `start<TAB>end<TAB>text` in milliseconds; whisper.cpp `start,end[,speaker],text`,
also in milliseconds, the text quoted (with `\\"` inside, in older versions); Premiere Pro
`"Speaker Name","Start Time","End Time","Text"` with SMPTE timecodes (`00;00;02;06`); people's
own spreadsheets any of these, with a semicolon between cells where Excel is set up for a decimal
comma. Columns are found by their names in the first row, else by what they hold. Each piece
points at its cell, `cell=R,C` (RFC 7111: records counted from 1, the header record included,
blank lines not counted; columns from 1), or at its record, `row=R`, when unquoted delimiters
spread its words over several cells.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.errors import CorpusError
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_DELIMITERS = (",", ";", "\t", "|")
# Header names, compared after `_name` folds case, punctuation and units away.
# Each in order of preference: a `Line` column may number the lines beside a `Text` one.
_TEXT_NAMES = ("text", "transcript", "transcription", "utterance", "sentence", "caption", "subtitle", "dialogue",
               "dialog", "content", "words", "speech", "body", "message", "comment", "said", "line")
_SPEAKER_NAMES = ("speaker", "speaker name", "speaker label", "speaker id", "speaker tag", "participant", "person",
                  "character", "voice", "talker", "who", "name", "author", "role")
_START_NAMES = ("start", "start time", "starttime", "begin", "begin time", "start timecode", "time start", "tc in",
                "timecode in", "time in", "in point", "in", "from", "start offset", "offset", "timecode", "timestamp",
                "time")
_END_NAMES = ("end", "end time", "endtime", "stop", "stop time", "end timecode", "time end", "tc out",
              "timecode out", "time out", "out point", "out", "to")
_DURATION_NAMES = ("duration", "length")
_MILLISECOND_HINT = re.compile(r"\b(ms|msec|millis|milliseconds?)\b")
_SECOND_HINT = re.compile(r"\b(s|sec|secs|seconds?)\b")
# `01:02:03.450`, `2:03`, `1:02:03,4` (clock times), `00:01:02:12` or `00;01;02;12` (SMPTE, frames last).
_CLOCK = re.compile(r"^(?:(?P<h>\d+)[:;])?(?P<m>\d{1,2})[:;](?P<s>\d{1,2}(?:[.,]\d+)?)(?:[:;](?P<f>\d{1,2}))?$")
_SMPTE = re.compile(r"^\d+[:;]\d{1,2}[:;]\d{1,2}[:;]\d{1,2}$|;")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
_LETTER = re.compile(r"[^\W\d_]")
_FRAME_RATES = (24, 25, 30, 50, 60)
_LONGEST_LABEL = 60


class TableReader:
    """Comma- or tab-separated transcripts (`.csv`, `.tsv`)."""

    name = "csv"
    media_types = {
        # Browsers on Windows declare a .csv as Excel's, whatever it holds.
        ".csv": ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"),
        ".tsv": ("text/tab-separated-values", "text/plain"),
    }
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the rows (a table says nothing of itself: the sidecar gives title and date)."""
        table = read_table(doc_id, text.lstrip("\ufeff"), tab=doc_id.lower().endswith(".tsv"))
        return build_transcript(doc_id, self.name, table.pieces(), metadata)


@dataclass(frozen=True)
class Record:
    """One record of the file: its number (RFC 7111's row) and its cells."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class Columns:
    """Which column (from 0) holds what; `header` says whether the first record names them."""

    text: int
    speaker: int | None
    start: int | None
    end: int | None
    duration: int | None
    header: bool


@dataclass(frozen=True)
class Table:
    """A transcript's records and what its columns hold."""

    records: list[Record]
    columns: Columns
    width: int
    """Cells in the header (or first) record: a longer record spilled its words over more cells."""
    delimiter: str
    start_seconds: list[float | None]
    end_seconds: list[float | None]

    def pieces(self) -> Iterator[Piece]:
        """A piece per record with words, timed where the file says when."""
        body = self.records[1:] if self.columns.header else self.records
        text_column = self.columns.text
        for record, start, end in zip(body, self.start_seconds, self.end_seconds, strict=True):
            cells = record.cells
            spilled = text_column == self.width - 1 and len(cells) > self.width
            words = self.delimiter.join(cells[text_column:]) if spilled else _cell(cells, text_column)
            source = f"row={record.number}" if spilled else f"cell={record.number},{text_column + 1}"
            yield Piece(text=words, source=source, start_time=start, end_time=end,
                        speaker=_speaker(_cell(cells, self.columns.speaker)))


def read_table(doc_id: str, text: str, *, tab: bool) -> Table:
    """The file's records and columns; CorpusError names the line or what is missing."""
    delimiter = "\t" if tab else _delimiter(text)
    records = _records(doc_id, text, delimiter)
    if not records:
        raise CorpusError(f"{doc_id}: no rows in the file")
    columns = _columns(doc_id, records)
    body = records[1:] if columns.header else records
    names = [_name(cell) for cell in records[0].cells] if columns.header else []
    start_seconds, end_seconds = _times(body, columns, names)
    return Table(records, columns, len(records[0].cells), delimiter, start_seconds, end_seconds)


def _delimiter(text: str) -> str:
    """The delimiter of the first line: the candidate it holds most of outside quotes (a comma on a tie)."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _records(doc_id: str, text: str, delimiter: str) -> list[Record]:
    """The records with a filled cell, numbered. Quotes are read as RFC 4180 has them; a TSV whose
    quotes do not parse so is read without quoting, as the TSV media type defines it (Whisper writes
    a line's words as they are, `"Yes," he said.` included)."""
    try:
        return _parsed_records(text, delimiter, csv.QUOTE_MINIMAL)
    except _Malformed as exc:
        # Older whisper.cpp escapes a quote in the text as \" rather than doubling it, as RFC 4180
        # (Excel, Python's csv, a workbook's rendering) does: tried only where RFC 4180 fails.
        if '\\"' in text:
            with contextlib.suppress(_Malformed):
                return _parsed_records(text, delimiter, csv.QUOTE_MINIMAL, escape="\\")
        if delimiter == "\t":
            return _parsed_records(text, delimiter, csv.QUOTE_NONE)
        raise CorpusError(f"{doc_id}: line {exc.line}: not a well-formed table ({exc.reason})") from None


def _parsed_records(text: str, delimiter: str, quoting: int, escape: str | None = None) -> list[Record]:
    # A row per episode may hold a whole transcript in one cell, past the csv module's 128 KiB
    # default; the setting is the module's own, raised to a document's size and never lowered.
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, escapechar=escape, quoting=quoting,
                        strict=True)
    records: list[Record] = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append(Record(len(records) + 1, cells))
    except csv.Error as exc:
        raise _Malformed(reader.line_num, str(exc)) from None
    return records


class _Malformed(Exception):
    """The csv module's complaint, with the line it read last."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def _columns(doc_id: str, records: list[Record]) -> Columns:
    """Columns by their names in the first record, else by what the records hold."""
    names = [_name(cell) for cell in records[0].cells]
    text = _named(names, _TEXT_NAMES, contains=("text", "transcript"))
    if text is not None:
        return Columns(
            text=text, speaker=_named(names, _SPEAKER_NAMES, contains=("speaker",)),
            start=_named(names, _START_NAMES, contains=("start", "begin", "in")),
            end=_named(names, _END_NAMES, contains=("end", "stop", "out")), duration=_named(names, _DURATION_NAMES),
            header=True,
        )
    return _columns_by_content(doc_id, records)


def _columns_by_content(doc_id: str, records: list[Record]) -> Columns:
    """Unnamed columns: those holding times in every row that has a value, the longest words, and
    a short label that recurs (the speaker). A first record with no time or number is a header."""
    first = records[0].cells
    header = len(records) > 1 and all(cell.strip() and len(cell) <= 40 and _seconds(cell) is None for cell in first)
    body = records[1:] if header else records
    width = max(len(r.cells) for r in body)
    columns = [[_cell(r.cells, c).strip() for r in body] for c in range(width)]
    timed = [c for c, values in enumerate(columns)
             if any(values) and all(_seconds(v) is not None for v in values if v) and not _is_counter(values)]
    # Clock times before plain numbers: a number column may be a confidence or an id.
    timed.sort(key=lambda c: all(_NUMBER.match(v) for v in columns[c] if v))
    others = [c for c in range(width) if c not in timed and any(_LETTER.search(v) for v in columns[c])]
    if not others:
        raise CorpusError(f"{doc_id}: no column of spoken words; name one in the first row "
                          f"(text, transcript, ...): it has {', '.join(repr(c) for c in first)}")
    text = max(others, key=lambda c: sum(len(v) for v in columns[c]))
    speaker = next((c for c in others if c != text and _is_label_column(columns[c])), None)
    return Columns(text=text, speaker=speaker, start=timed[0] if timed else None,
                   end=timed[1] if len(timed) > 1 else None, duration=None, header=header)


def _is_counter(values: Sequence[str]) -> bool:
    """Whether the column numbers the records (1, 2, 3, ...), as a cue or line number does."""
    return len(values) > 1 and all(v.isdigit() for v in values) and all(
        int(b) == int(a) + 1 for a, b in zip(values, values[1:]))


def _is_label_column(values: Sequence[str]) -> bool:
    """Whether the column holds short labels, some of them more than once (a speaker's name)."""
    filled = [v for v in values if v]
    return len(set(filled)) < len(filled) and len(set(filled)) <= max(2, len(filled) // 2) and all(
        len(v) <= _LONGEST_LABEL and not _NUMBER.match(v) for v in filled)


def _name(cell: str) -> str:
    """A header cell folded for comparison: `"Start Time (ms)"` -> `start time ms`, `speaker_name` -> `speaker name`."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", cell.lower()).split())


def _named(names: list[str], wanted: tuple[str, ...], contains: tuple[str, ...] = ()) -> int | None:
    """The column named the most preferred of `wanted` (units aside), else the first whose name has a
    word of `contains`."""
    bare = [" ".join(_MILLISECOND_HINT.sub("", _SECOND_HINT.sub("", n)).split()) for n in names]
    exact = next((bare.index(name) for name in wanted if name in bare), None)
    if exact is not None or not contains:
        return exact
    return next((i for i, name in enumerate(names) if any(word in name.split() for word in contains)), None)


def _times(body: list[Record], columns: Columns, names: list[str]) -> tuple[list[float | None], list[float | None]]:
    """Each record's start and end in seconds (None where the file gives none); `names` are the
    header's, folded (none without a header)."""
    def column(index: int | None) -> list[str]:
        return [_cell(r.cells, index).strip() for r in body] if index is not None else [""] * len(body)

    starts, ends, durations = column(columns.start), column(columns.end), column(columns.duration)
    fps = _frame_rate(starts + ends)
    start_values = [_seconds(v, fps) for v in starts]
    end_values = [_seconds(v, fps) for v in ends]
    duration_values = [_seconds(v, fps) for v in durations]
    unit = _unit(starts + ends + durations, start_values, end_values, duration_values,
                 [names[i] for i in (columns.start, columns.end, columns.duration) if i is not None and i < len(names)])
    start_values = [_scaled(v, s, unit) for v, s in zip(start_values, starts, strict=True)]
    end_values = [_scaled(v, e, unit) for v, e in zip(end_values, ends, strict=True)]
    duration_values = [_scaled(v, d, unit) for v, d in zip(duration_values, durations, strict=True)]
    end_values = [end if end is not None or start is None or length is None else round(start + length, 3)
                  for start, end, length in zip(start_values, end_values, duration_values, strict=True)]
    return start_values, _open_ends_closed(start_values, end_values)


def _open_ends_closed(starts: list[float | None], ends: list[float | None]) -> list[float | None]:
    """A row with a start and no end lasts until the next row that starts (the last one, an instant),
    as timestamped text is timed from one stamp to the next."""
    closed = list(ends)
    following: float | None = None
    for index in range(len(starts) - 1, -1, -1):
        start = starts[index]
        if start is not None and closed[index] is None:
            closed[index] = following if following is not None and following >= start else start
        following = start if start is not None else following
    return closed


def _unit(raw: list[str], starts: list[float | None], ends: list[float | None], durations: list[float | None],
          names: list[str]) -> float:
    """Seconds per unit of the plain numbers: a header may say (`start_ms`); else whole numbers whose
    typical utterance lasts 100 or more are milliseconds (Whisper's TSV, whisper.cpp's CSV), as no one
    speaks for minutes a row."""
    if any(_MILLISECOND_HINT.search(n) for n in names):
        return 0.001
    if any(_SECOND_HINT.search(n) for n in names):
        return 1.0
    numbers = [v for v in raw if v and _NUMBER.match(v)]
    if not numbers or any(not v.isdigit() for v in numbers):
        return 1.0
    lengths = [e - s for s, e in zip(starts, ends, strict=True) if s is not None and e is not None and e > s]
    lengths += [d for d in durations if d]
    if not lengths:
        opened = [s for s in starts if s is not None]
        lengths = [b - a for a, b in zip(opened, opened[1:]) if b > a]
    return 0.001 if lengths and statistics.median(lengths) >= 100 else 1.0


def _scaled(value: float | None, raw: str, unit: float) -> float | None:
    # Only plain numbers carry the unit; a clock time is seconds already.
    return round(value * unit, 3) if value is not None and _NUMBER.match(raw) else value


def _frame_rate(values: list[str]) -> int:
    """The frame rate of SMPTE timecodes (frames last), which the file does not state: the least
    common rate above the highest frame number it shows."""
    frames = [int(m.group("f")) for v in values if v and _SMPTE.search(v) and (m := _CLOCK.match(v)) and m.group("f")]
    highest = max(frames, default=0)
    return next((rate for rate in _FRAME_RATES if rate > highest), _FRAME_RATES[-1])


def _seconds(value: str, fps: int = 30) -> float | None:
    """A time cell as a number (of the column's unit) or clock seconds; None when it is neither."""
    value = value.strip()
    if _NUMBER.match(value):
        return float(value.replace(",", "."))
    match = _CLOCK.match(value)
    if match is None:
        return None
    hours, minutes = int(match.group("h") or 0), int(match.group("m"))
    frames = int(match.group("f")) if match.group("f") else 0
    secs = float(match.group("s").replace(",", "."))
    if minutes >= 60 or secs >= 60 or frames >= fps:
        return None
    return round(hours * 3600 + minutes * 60 + secs + frames / fps, 3)


def _speaker(value: str) -> str | None:
    label = " ".join(value.split())
    if label.lower() in NO_SPEAKER or len(label) > _LONGEST_LABEL:
        return None
    # whisper.cpp numbers its two speakers 0 and 1; a bare number reads better with a word in front.
    return f"Speaker {label}" if label.isdigit() else label


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""
