"""Excel workbooks: a transcript kept as a spreadsheet is read as its first sheet's rows, with
speakers and times from its columns, and every segment points at the sheet's own cell."""

from __future__ import annotations

import datetime as dt
import io
import warnings
import zipfile

import openpyxl
import pytest

from rag.errors import CorpusError
from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document


def workbook(*rows: tuple[object, ...], extra_sheet: bool = False) -> bytes:
    """An .xlsx whose first sheet holds `rows` (an empty tuple an empty row)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Transcript"
    for row in rows:
        sheet.append(list(row))
    if extra_sheet:
        book.create_sheet("Notes").append(["Reviewer", "Looks fine."])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Times as Excel keeps them: time-of-day cells, a duration, seconds as a number; an empty row; a
# cell with a line break in it.
LIBRARY = workbook(
    ("Speaker", "Start", "End", "Text"),
    ("Mayor Lind", dt.time(0, 0, 1), dt.time(0, 0, 4, 500000), "The library reopens on the ninth of May."),
    (),
    ("Councillor Ames", dt.timedelta(seconds=5), 8.25, "Will the reading room\nkeep its evening hours?"),
    ("Mayor Lind", 9, 12, "Yes, until ten at night."),
    extra_sheet=True,
)


def read(doc_id: str, data: bytes):  # -> tuple[Transcript, sheet rows]
    document = source_document(doc_id, data, None)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return parse_document(doc_id, document.text, document.metadata), list(sheet.iter_rows(min_row=1, values_only=True))


def test_a_workbook_gives_speakers_times_and_cites_the_sheets_own_cells() -> None:
    transcript, rows = read("library.xlsx", LIBRARY)
    assert transcript.format == "xlsx"
    assert [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Mayor Lind", 1.0, 4.5, "The library reopens on the ninth of May."),
        ("Councillor Ames", 5.0, 8.25, "Will the reading room keep its evening hours?"),
        ("Mayor Lind", 9.0, 12.0, "Yes, until ten at night.")]
    # Row 3 is empty: the rows after it are cited as the sheet numbers them (D4 is row 4, column 4).
    assert [s.source for s in transcript.segments] == ["cell=2,4", "cell=4,4", "cell=5,4"]
    for segment in transcript.segments:
        row, column = (int(n) for n in segment.source.removeprefix("cell=").split(","))
        assert transcript.text[segment.start : segment.end] == " ".join(rows[row - 1][column - 1].split())
    assert "Looks fine" not in transcript.text


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"Speaker,Text\nAnn,Hello\n", r"not an Excel workbook \(\.xlsx is a zip archive"),
     (workbook(), "the file is empty"), (workbook((), ("",), (None, None)), "the file is empty")],
)
def test_a_file_that_is_no_readable_workbook_says_so(data: bytes, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        document = source_document("x.xlsx", data, None)
        parse_document("x.xlsx", document.text, document.metadata)


def with_excel_extensions(data: bytes) -> bytes:
    """`data` with the extension lists Excel writes (here a data validation of Excel 2010's),
    which openpyxl does not keep and warns about."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"</worksheet>", b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                                    b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                                    b'<x14:dataValidations count="0"/></ext></extLst></worksheet>')
            target.writestr(info, part)
    return out.getvalue()


def test_parts_of_excel_that_openpyxl_does_not_keep_are_read_past_without_a_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transcript, _ = read("library.xlsx", with_excel_extensions(LIBRARY))
    assert [str(w.message) for w in caught] == []
    assert transcript.text.startswith("Mayor Lind")
