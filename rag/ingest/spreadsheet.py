"""Excel workbooks (`.xlsx`): transcripts kept as spreadsheets, a row per utterance, as
researchers and transcription services (and Excel users of any other tool's export) keep them.

The worksheet holding the transcript is read: the first, unless it holds none (a cover sheet:
`Interviewer: Jane`, `Date: ...`) and a later one does, then the later one with the most rows of
words. Its rows are rendered as tab-separated text, a line per row of the sheet (an empty row an
empty line, a cell holding tabs or line breaks quoted), and read as a `.tsv` is
(`rag.ingest.tabular`: columns by their header, else by what they hold; rows above the header a
title and a date). Cells are their values, not their formulas: a time as `HH:MM:SS.fff`, a
duration as the same, a number as written, a date in ISO form; a cell merged down over several
rows (a speaker's name beside each of their rows) is the value of each row it covers, except in
the column of words. Each piece points at its cell as the sheet numbers it: `cell=R,C`, row R and
column C of the worksheet, counted from 1 (`cell=7,2` is B7), with the sheet's name before it
when it is not the first: `sheet=Transcript&cell=7,2` (`%`, `&`, `=`, `#`, `;`, `,` and spaces in
the name percent-encoded, as in a URL).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from typing import TYPE_CHECKING

import msgspec

from rag.errors import CorpusError
from rag.ingest.archive import check_size, inflated, open_archive
from rag.ingest.tabular import SHEET_LINE, Record, Table, read_table, table_heading
from rag.types import Transcript

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

SUFFIX = ".xlsx"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RECORD_SOURCE = re.compile(r"(?P<kind>cell|row)=(?P<record>\d+)(?P<column>,\d+)?")
_MERGE = re.compile(rb"<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Za-z]{1,3}\d+):([A-Za-z]{1,3}\d+)[\"']")
_ENCODED = re.compile(r"[%&=#;,\s]")


def xlsx_text(doc_id: str, data: bytes) -> str:
    """The transcript's worksheet's rows as tab-separated lines (a later sheet's named on a line of
    its own above them, `SHEET_LINE`); CorpusError when the file is no workbook."""
    import openpyxl  # a workbook's reader, loaded only when there is one to read

    # openpyxl warns of every part of Excel's it does not keep (data validation, conditional
    # formats, slicers): none holds a cell's value, and on stderr they read as faults of the
    # file. A filter, not `catch_warnings`, which is not thread-safe (uploads read on worker threads).
    warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
    # openpyxl inflates the parts itself: each is checked against the limit first (a zip bomb).
    with open_archive(doc_id, data, "an Excel workbook", SUFFIX) as archive:
        for info in archive.infolist():
            check_size(doc_id, info)
        try:
            return _transcript_sheet(doc_id, openpyxl.load_workbook(io.BytesIO(data), read_only=True,
                                                                    data_only=True), archive)
        except CorpusError:
            raise
        except Exception as exc:  # what openpyxl's XML and zip layers raise, while opening or reading rows lazily:
            # no narrower set is documented, and a damaged workbook is the file's fault, not a server error
            raise CorpusError(
                f"{doc_id}: not an Excel workbook openpyxl can read ({type(exc).__name__}: {exc})") from None


def _transcript_sheet(doc_id: str, workbook: Workbook, archive: zipfile.ZipFile) -> str:
    """The rendering of the worksheet holding the transcript: the first, unless it holds none and a
    later one does (then the later one with the most rows of words); the workbook closed after."""
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise CorpusError(f"{doc_id}: the workbook has no worksheet")
        chosen, rows = 0, _sheet_rows(sheets[0])
        table = _table(doc_id, rows)
        if not _holds_transcript(table):
            best: tuple[int, int, list[list[str]], Table] | None = None  # rows of words, sheet, rows, table
            for index, sheet in enumerate(sheets[1:], 1):
                candidate_rows = _sheet_rows(sheet)
                candidate = _table(doc_id, candidate_rows)
                if candidate is not None and _holds_transcript(candidate):
                    said = sum(1 for piece in candidate.pieces() if piece.text.strip())
                    if best is None or said > best[0]:
                        best = (said, index, candidate_rows, candidate)
            if best is not None:
                _, chosen, rows, table = best
        if table is not None:
            # Merges below the header only: a header cell merged down over a blank row names no speaker.
            header = table.columns.header
            filled = [number for number, cells in enumerate(rows, 1) if any(c.strip() for c in cells)]
            below = filled[header] if header is not None else 0
            ranges = [r for r in _merged_ranges(doc_id, archive, sheets[chosen]) if r[1] > below]
            _fill_merged(rows, ranges, table.columns.text + 1)
        rendering = _tab_separated(rows)
        return f"{SHEET_LINE}{_encoded(sheets[chosen].title)}\n{rendering}" if chosen else rendering
    finally:
        workbook.close()


def _table(doc_id: str, rows: list[list[str]]) -> Table | None:
    """The sheet's rows read as a table, None where they hold no transcript."""
    try:
        return read_table(doc_id, _tab_separated(rows), tab=True)
    except CorpusError:
        return None


def _holds_transcript(table: Table | None) -> bool:
    """Whether a sheet read as a table is a transcript: its header names its column of words, or a
    column of speakers or of times was found beside it (a cover sheet's `Interviewer | Jane` is none)."""
    return table is not None and (table.columns.named or table.columns.speaker is not None
                                  or table.columns.start is not None)


def _sheet_rows(sheet: ReadOnlyWorksheet) -> list[list[str]]:
    """The sheet's rows from row 1 and column A, each its cells' text without the empty ones at its end."""
    rows: list[list[str]] = []
    for row in sheet.iter_rows(min_row=1, min_col=1, values_only=True):
        cells = [_cell_text(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        rows.append(cells)
    return rows


def _merged_ranges(doc_id: str, archive: zipfile.ZipFile, sheet: ReadOnlyWorksheet) -> list[tuple[int, int, int, int]]:
    """The sheet's merged cells as (first column, first row, last column, last row), from its
    `<mergeCell ref="A2:A4"/>` elements (openpyxl's read-only sheets do not keep them)."""
    from openpyxl.utils.cell import range_boundaries

    part = getattr(sheet, "_worksheet_path", None)
    if not part or part not in archive.namelist():
        return []
    ranges = []
    for first, last in _MERGE.findall(inflated(doc_id, archive, part)):
        bounds = range_boundaries(f"{first.decode()}:{last.decode()}".upper())
        ranges.append((bounds[0], bounds[1], bounds[2], bounds[3]))
    return ranges


def _fill_merged(rows: list[list[str]], ranges: list[tuple[int, int, int, int]], text_column: int) -> None:
    """Gives each row a merge covers below its first the merge's value (in the merge's first column),
    as Excel shows it beside each of them; not in the column of words, whose cell is said once."""
    for min_col, min_row, max_col, max_row in ranges:
        if max_row <= min_row or min_col <= text_column <= max_col or min_row > len(rows):
            continue
        anchor = rows[min_row - 1]
        value = anchor[min_col - 1] if min_col <= len(anchor) else ""
        if not value:
            continue
        for number in range(min_row + 1, min(max_row, len(rows)) + 1):
            cells = rows[number - 1]
            cells.extend([""] * (min_col - len(cells)))
            if not cells[min_col - 1]:
                cells[min_col - 1] = value


def _tab_separated(rows: list[list[str]]) -> str:
    """A line per row (an empty row an empty line), quoted where a cell holds a tab, a quote or a
    line break."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for cells in rows:
        if cells:
            writer.writerow(cells)
        else:
            out.write("\n")
    return out.getvalue()


def _cell_text(value: object) -> str:
    """A cell's value as the sheet shows it, for the table reader to read times from."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}.{value.microsecond // 1000:03d}"
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _encoded(name: str) -> str:
    """A sheet's name for a source: `%`, `&`, `=`, `#`, `;`, `,` and white space percent-encoded."""
    return _ENCODED.sub(lambda m: "".join(f"%{byte:02X}" for byte in m[0].encode()), name)


def with_sheet_cells(transcript: Transcript, rendering: str) -> Transcript:
    """`transcript`, read from a worksheet's `rendering` (`xlsx_text`) as a table, its `cell=R,C` and
    `row=R` sources (R counting the rendering's filled records) pointing at the worksheet's row instead
    (`sheet=NAME&cell=R,C` for a sheet but the first); title and date from rows above the header where
    the sidecar gives none."""
    sheet = ""
    if rendering.startswith(SHEET_LINE):
        first, _, rendering = rendering.partition("\n")
        sheet = f"sheet={first.removeprefix(SHEET_LINE)}&"
    reader = csv.reader(io.StringIO(rendering, newline=""), delimiter="\t")
    # Each record the csv module reads is one sheet row (a quoted cell may span lines of the text).
    records: list[Record] = []
    filled: list[int] = []
    for number, cells in enumerate(reader, 1):
        if any(cell.strip() for cell in cells):
            filled.append(number)
            records.append(Record(len(filled), cells))

    def on_sheet(source: str) -> str:
        match = _RECORD_SOURCE.fullmatch(source)
        if match is None:
            return source
        return f"{sheet}{match['kind']}={filled[int(match['record']) - 1]}{match['column'] or ''}"

    segments = [msgspec.structs.replace(s, source=on_sheet(s.source)) for s in transcript.segments]
    title, date = table_heading(records)
    return msgspec.structs.replace(
        transcript, format="xlsx", segments=segments, title=transcript.title or title,
        date=transcript.date or date, date_text=transcript.date_text or date)
