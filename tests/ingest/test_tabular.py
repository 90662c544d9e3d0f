"""Transcripts as tables: the CSV and TSV that Whisper, whisper.cpp, Premiere Pro and spreadsheets
write are read as turns with speakers and times, and every piece points at its cell."""

from __future__ import annotations

import pytest

from rag.errors import CorpusError
from rag.ingest.readers import parse_document
from rag.types import Transcript
from tests.ingest.test_formats import assert_segments_check_out

# `whisper --output_format tsv`: milliseconds, a space before each segment's text.
WHISPER_TSV = ("start\tend\ttext\n0\t1080\t When the port reopened,\n1080\t3600\t throughput rose by 12 percent, "
               "or so.\n3600\t6920\t Ships now wait less.\n")
# whisper.cpp `-ocsv` with two-channel diarization, from a version that escaped quotes as \".
WHISPER_CPP = ('start,end,speaker,text\n0,2500,0," He said \\"yes\\" to the plan."\n2500,5000,1," No, it was '
               '\\"maybe\\"."\n5000,7000,?," Fine."\n')
# Premiere Pro's transcript export: SMPTE timecodes with drop-frame semicolons, a blank line after the header.
PREMIERE = ('"Speaker Name","Start Time","End Time","Text"\n\n"Audrow Nash","00;00;00;03","00;00;02;06",'
            '"Hi, Jenny. Would you introduce yourself?"\n"Jenny Read","00;00;02;09","00;00;09;17",'
            '"Absolutely. I\'m Jenny Read, a program director at Aria."\n"Unknown","00;00;09;19","00;01;12;28",'
            '"And tell me about Aria."\n')
# A spreadsheet saved where a comma is the decimal mark: semicolons between cells, a byte-order
# mark, seconds named in the header, and a semicolon in the words that was never quoted.
EXCEL = ("\ufeffSpeaker;Start (s);End (s);Transcript\nAlice;1,5;4,25;Bonjour à tous; merci d'être là.\n"
         "Bob;4,5;9;Merci Alice.\n")
SHEET = ("Timestamp,Speaker,Transcript\n00:00:05,Alice Wong,The ferry terminal reopens in June.\n"
         '00:01:10,Bob Lee,"Four berths,\nI hear."\n')
# No header: a cue number, clock times, a speaker and the words.
UNNAMED = ("1,00:00:01.000,00:00:04.000,Alice,Hello there everyone.\n2,00:00:04.500,00:00:08.000,Bob,"
           "Hi Alice and welcome.\n3,00:00:08.000,00:00:10.000,Alice,Thanks Bob.\n")


def parsed(doc_id: str, text: str) -> Transcript:
    transcript = parse_document(doc_id, text)
    assert transcript.format == "csv"
    assert_segments_check_out(transcript, text)
    return transcript


def turns(transcript: Transcript) -> list[tuple[str | None, float | None, float | None, str]]:
    return [(t.speaker, t.start_time, t.end_time, transcript.text[t.start : t.end]) for t in transcript.turns]


def test_whisper_tsv_is_timed_in_milliseconds_and_points_at_each_cell() -> None:
    transcript = parsed("talk.tsv", WHISPER_TSV)
    assert turns(transcript) == [
        (None, 0.0, 6.92, "When the port reopened, throughput rose by 12 percent, or so. Ships now wait less.")]
    assert [(s.source, s.start_time, s.end_time) for s in transcript.segments] == [
        ("cell=2,3", 0.0, 1.08), ("cell=3,3", 1.08, 3.6), ("cell=4,3", 3.6, 6.92)]


def test_whisper_cpp_csv_gives_its_numbered_speakers_and_unescapes_quotes() -> None:
    transcript = parsed("call.csv", WHISPER_CPP)
    assert turns(transcript) == [("Speaker 0", 0.0, 2.5, 'He said "yes" to the plan.'),
                                 ("Speaker 1", 2.5, 5.0, 'No, it was "maybe".'), (None, 5.0, 7.0, "Fine.")]


def test_premiere_timecodes_count_frames_and_unknown_is_nobody() -> None:
    transcript = parsed("interview.csv", PREMIERE)
    # The highest frame shown is 28: 30 frames a second.
    assert turns(transcript) == [
        ("Audrow Nash", 0.1, 2.2, "Hi, Jenny. Would you introduce yourself?"),
        ("Jenny Read", 2.3, 9.567, "Absolutely. I'm Jenny Read, a program director at Aria."),
        (None, 9.633, 72.933, "And tell me about Aria.")]
    assert [s.source for s in transcript.segments] == ["cell=2,4", "cell=3,4", "cell=4,4"]


def test_a_semicolon_spreadsheet_with_decimal_commas_keeps_words_that_spilled_over_cells() -> None:
    transcript = parsed("réunion.csv", EXCEL)
    assert turns(transcript) == [("Alice", 1.5, 4.25, "Bonjour à tous; merci d'être là."),
                                 ("Bob", 4.5, 9.0, "Merci Alice.")]
    assert [s.source for s in transcript.segments] == ["row=2", "cell=3,4"]


def test_one_time_column_and_a_quoted_line_break() -> None:
    transcript = parsed("harbour.csv", SHEET)
    # Each row lasts until the next one starts, the last an instant.
    assert turns(transcript) == [("Alice Wong", 5.0, 70.0, "The ferry terminal reopens in June."),
                                 ("Bob Lee", 70.0, 70.0, "Four berths, I hear.")]


def test_columns_without_names_are_found_by_what_they_hold() -> None:
    transcript = parsed("cues.csv", UNNAMED)
    assert turns(transcript) == [("Alice", 1.0, 4.0, "Hello there everyone."),
                                 ("Bob", 4.5, 8.0, "Hi Alice and welcome."),
                                 ("Alice", 8.0, 10.0, "Thanks Bob.")]
    assert transcript.segments[0].source == "cell=1,5"


def test_a_tsv_line_opening_with_a_quote_is_read_as_it_is() -> None:
    transcript = parse_document("quote.tsv", 'start\tend\ttext\n0\t2000\t"Yes," he said.\n2000\t3000\tThen left.\n')
    assert transcript.text == '"Yes," he said. Then left.\n'
    assert [s.source for s in transcript.segments] == ["cell=2,3", "cell=3,3"]


def test_a_whole_transcript_in_one_cell_is_read() -> None:
    words = "The port handled more containers this year. " * 4000  # 180 kB: over the csv module's default limit
    transcript = parsed("episodes.csv", f'title,transcript\nEpisode 1,"{words}"\n')
    assert transcript.text.startswith("The port handled more containers this year.") and len(transcript.text) > 170_000


def test_whole_seconds_stay_seconds() -> None:
    transcript = parsed("short.csv", "start,end,text\n0,5,First words here.\n5,12,Then some more.\n")
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(0.0, 5.0), (5.0, 12.0)]


@pytest.mark.parametrize(
    ("doc_id", "text", "message"),
    [
        ("scores.csv", "id,score\n1,0.5\n2,0.75\n", "no column of spoken words; name one in the first row"),
        ("open.csv", 'start,end,text\n0,1,"never closed\n', "line 2: not a well-formed table"),
        ("blank.csv", "start,end,text\n0,1,\n1,2,  \n", "no spoken text found in this csv file"),
        ("header.tsv", "start\tend\ttext\n", "no spoken text found"),
    ],
)
def test_tables_without_words_are_refused_with_the_reason(doc_id: str, text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        parse_document(doc_id, text)


def test_a_backslash_before_a_doubled_quote_is_a_backslash_as_excel_and_python_write_it() -> None:
    # RFC 4180 doubles a quote; reading `\"` as an escape (older whisper.cpp's) mangled such a cell or refused the file.
    text = ('start,end,speaker,text\n1.0,2.0,Anna,Hello.\n'
            '3.0,4.0,Ben,"The folder C:\\""Program Files"" is gone"\n')
    transcript = parse_document("call.csv", text)
    assert [(t.speaker, transcript.text[t.start : t.end]) for t in transcript.turns] == [
        ("Anna", "Hello."), ("Ben", 'The folder C:\\"Program Files" is gone')]
    assert_segments_check_out(transcript, text)
