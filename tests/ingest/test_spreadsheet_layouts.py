"""Excel workbooks laid out as people lay them out: a title above the header, a speaker's cell merged
down beside their rows, the transcript on a sheet after a cover sheet. Every segment still points at
the sheet's own cell, named with its sheet where that is not the first."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from urllib.parse import unquote

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

from rag.ingest.corpus import source_document
from rag.ingest.readers import parse_document
from rag.types import Transcript

HEADER = ("Speaker", "Start", "End", "Text")
ROWS = [("Anna", dt.time(0, 0, 1), dt.time(0, 0, 4), "Welcome to the show, everyone."),
        ("Anna", dt.time(0, 0, 4), dt.time(0, 0, 6), "Today we talk about rivers."),
        ("Ben", dt.time(0, 0, 6), dt.time(0, 0, 9), "Thanks for having me."),
        ("Ben", dt.time(0, 0, 9), dt.time(0, 0, 12), "Rivers are great.")]
TURNS = [("Anna", 1.0, 6.0, "Welcome to the show, everyone. Today we talk about rivers."),
         ("Ben", 6.0, 12.0, "Thanks for having me. Rivers are great.")]


def workbook(*layouts: Callable[[Worksheet], None], titles: tuple[str, ...] = ()) -> bytes:
    """An .xlsx with a sheet per layout, each filled by it (and named by `titles`, where given)."""
    book = openpyxl.Workbook()
    for index, layout in enumerate(layouts):
        sheet = book.active if index == 0 else book.create_sheet()
        if index < len(titles):
            sheet.title = titles[index]
        layout(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read(doc_id: str, data: bytes) -> Transcript:
    """The workbook parsed; each segment's words checked against the cell its source names, the
    workbook opened by openpyxl (`sheet=NAME&cell=R,C` on the sheet so named, `cell=R,C` on the first)."""
    document = source_document(doc_id, data, None)
    transcript = parse_document(doc_id, document.text, document.metadata)
    assert transcript.format == "xlsx"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert transcript.segments
    for segment in transcript.segments:
        sheet, _, cell = segment.source.rpartition("&")
        worksheet = book[unquote(sheet.removeprefix("sheet="))] if sheet else book.worksheets[0]
        row, column = (int(n) for n in cell.removeprefix("cell=").split(","))
        words = transcript.text[segment.start : segment.end]
        assert words == " ".join(str(worksheet.cell(row, column).value).split()), segment
    return transcript


def turns(transcript: Transcript) -> list[tuple[str | None, float | None, float | None, str]]:
    return [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]


def titled(sheet: Worksheet) -> None:
    sheet["A1"] = "Interview with Ben"
    sheet.merge_cells("A1:D1")
    sheet["A2"] = "Date:"
    sheet["B2"] = dt.datetime(2024, 3, 1)
    sheet.append([])
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)


def test_rows_above_the_header_give_title_and_date_and_rows_are_cited_as_excel_numbers_them() -> None:
    transcript = read("interview.xlsx", workbook(titled))
    assert turns(transcript) == TURNS
    assert (transcript.title, transcript.date) == ("Interview with Ben", "2024-03-01")
    # Row 3 is empty and row 4 the header: the words are D5 to D8.
    assert [s.source for s in transcript.segments] == ["cell=5,4", "cell=6,4", "cell=7,4", "cell=8,4"]


def merged(sheet: Worksheet) -> None:
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("A4:A5")


def test_a_speaker_cell_merged_down_gives_each_of_its_rows_the_speaker() -> None:
    transcript = read("merged.xlsx", workbook(merged))
    assert turns(transcript) == TURNS
    assert [s.source for s in transcript.segments] == ["cell=2,4", "cell=3,4", "cell=4,4", "cell=5,4"]


def test_merged_speakers_are_found_without_a_header_too() -> None:
    def unnamed(sheet: Worksheet) -> None:
        for row in [*ROWS, ("Anna", dt.time(0, 0, 12), dt.time(0, 0, 14), "Thank you, Ben.")]:
            sheet.append(row)
        sheet.merge_cells("A1:A2")
        sheet.merge_cells("A3:A4")

    transcript = read("unnamed.xlsx", workbook(unnamed))
    assert [(t.speaker, t.start_time) for t in transcript.turns] == [("Anna", 1.0), ("Ben", 6.0), ("Anna", 12.0)]


def test_words_merged_over_rows_are_said_once() -> None:
    def shared(sheet: Worksheet) -> None:
        sheet.append(HEADER)
        sheet.append(ROWS[0])
        sheet.append(("Ben", dt.time(0, 0, 4), dt.time(0, 0, 6)))
        sheet.merge_cells("D2:D3")

    transcript = read("shared.xlsx", workbook(shared))
    assert transcript.text == "Anna: Welcome to the show, everyone.\n"


def cover(sheet: Worksheet) -> None:
    sheet.append(("Interviewer: Jane Roe",))
    sheet.append(("Date: 2024-03-01",))
    sheet.append(("Project", "Oral history 12"))


def transcript_sheet(sheet: Worksheet) -> None:
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)


def test_the_transcript_on_a_sheet_after_a_cover_sheet_is_read_and_cited_with_its_sheet() -> None:
    transcript = read("oral-history.xlsx", workbook(cover, transcript_sheet, titles=("Info", "Transcript")))
    assert turns(transcript) == TURNS
    assert "Jane" not in transcript.text
    assert [s.source for s in transcript.segments] == [
        "sheet=Transcript&cell=2,4", "sheet=Transcript&cell=3,4", "sheet=Transcript&cell=4,4",
        "sheet=Transcript&cell=5,4"]


def test_of_several_later_sheets_the_one_with_most_rows_is_read_and_its_name_is_percent_encoded() -> None:
    def notes(sheet: Worksheet) -> None:
        sheet.append(("Speaker", "Text"))
        sheet.append(("Editor", "Check the dates."))

    data = workbook(cover, notes, transcript_sheet, titles=("Info", "Notes", "Interview 1, part A"))
    transcript = read("oral-history.xlsx", data)
    assert turns(transcript) == TURNS
    assert transcript.segments[0].source == "sheet=Interview%201%2C%20part%20A&cell=2,4"


def test_a_first_sheet_holding_the_transcript_is_read_though_later_sheets_hold_more() -> None:
    def short(sheet: Worksheet) -> None:
        sheet.append(HEADER)
        sheet.append(ROWS[0])

    transcript = read("two.xlsx", workbook(short, transcript_sheet))
    assert [s.source for s in transcript.segments] == ["cell=2,4"]
