"""Excel workbooks (`.xlsx`): transcripts kept as spreadsheets, a row per utterance, as
researchers and transcription services (and Excel users of any other tool's export) keep them.

The first worksheet's rows are rendered as tab-separated text, a line per row of the sheet (an
empty row an empty line, a cell holding tabs or line breaks quoted), and read as a `.tsv` is
(`rag.ingest.tabular`: columns by their header, else by what they hold). Cells are their values,
not their formulas: a time as `HH:MM:SS.fff`, a duration as the same, a number as written, a
date in ISO form. Each piece points at its cell as the sheet numbers it: `cell=R,C`, row R and
column C of the worksheet, counted from 1 (`cell=7,2` is B7).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from rag.errors import CorpusError
from rag.ingest.archive import check_size, open_archive
from rag.types import Transcript

if TYPE_CHECKING:
    from openpyxl import Workbook

SUFFIX = ".xlsx"
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_RECORD_SOURCE = re.compile(r"(?P<kind>cell|row)=(?P<record>\d+)(?P<column>,\d+)?")


def xlsx_text(doc_id: str, data: bytes) -> str:
    """The first worksheet's rows as tab-separated lines; CorpusError when the file is no workbook."""
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
        return _first_sheet(doc_id, openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True))
    except CorpusError:
        raise
    except Exception as exc:  # what openpyxl's XML and zip layers raise, while opening or reading rows lazily:
        # no narrower set is documented, and a damaged workbook is the file's fault, not a server error
        raise CorpusError(f"{doc_id}: not an Excel workbook openpyxl can read ({type(exc).__name__}: {exc})") from None


def _first_sheet(doc_id: str, workbook: Workbook) -> str:
    """The first worksheet of an opened workbook as tab-separated lines; the workbook closed after."""
    try:
        if not workbook.worksheets:
            raise CorpusError(f"{doc_id}: the workbook has no worksheet")
        return _tab_separated(workbook.worksheets[0].iter_rows(min_row=1, min_col=1, values_only=True))
    finally:
        workbook.close()


def _tab_separated(rows: Iterable[tuple[object, ...]]) -> str:
    """A line per row (an empty row an empty line), quoted where a cell holds a tab, a quote or a
    line break."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        cells = [_cell_text(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
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


def with_sheet_cells(transcript: Transcript, rendering: str) -> Transcript:
    """`transcript`, read from a worksheet's `rendering` (`xlsx_text`) as a table, its `cell=R,C` and
    `row=R` sources (R counting the rendering's filled records) pointing at the worksheet's row instead."""
    reader = csv.reader(io.StringIO(rendering, newline=""), delimiter="\t")
    # Each record the csv module reads is one sheet row (a quoted cell may span lines of the text).
    filled = [number for number, cells in enumerate(reader, 1) if any(cell.strip() for cell in cells)]

    def on_sheet(source: str) -> str:
        match = _RECORD_SOURCE.fullmatch(source)
        if match is None:
            return source
        return f"{match['kind']}={filled[int(match['record']) - 1]}{match['column'] or ''}"

    segments = [msgspec.structs.replace(s, source=on_sheet(s.source)) for s in transcript.segments]
    return msgspec.structs.replace(transcript, format="xlsx", segments=segments)
