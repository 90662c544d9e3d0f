"""Transcripts as tables: the CSV and TSV that Whisper, whisper.cpp, Premiere Pro and spreadsheets
write are read as turns with speakers and times, and every piece points at its cell."""

from __future__ import annotations

import csv
import io

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


def assert_cells_check_out(transcript: Transcript, text: str, delimiter: str) -> None:
    """Each segment's words are in the cell it cites, the file read by the csv module with `delimiter`
    (for files whose first line the sniffer in `assert_segments_check_out` cannot read: a title line,
    a comma-heavy first row of a semicolon file), records counted as RFC 7111 does (blank lines not)."""
    records = [cells for cells in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
               if any(c.strip() for c in cells)]
    assert transcript.segments
    for segment in transcript.segments:
        row, column = (int(n) for n in segment.source.removeprefix("cell=").split(","))
        assert transcript.text[segment.start : segment.end] == " ".join(records[row - 1][column - 1].split())


# A title, a date and a blank line above the header, as people export interviews.
TITLED = ("Interview transcript\nRecorded 2024-03-01\n\nSpeaker,Start,End,Text\n"
          'Anna,00:00:01,00:00:04,"Welcome to the show, everyone."\nBen,00:00:04,00:00:07,Thanks for having me.\n')


def test_title_rows_above_the_header_are_the_title_and_date_not_speech() -> None:
    transcript = parse_document("interview.csv", TITLED)
    assert turns(transcript) == [("Anna", 1.0, 4.0, "Welcome to the show, everyone."),
                                 ("Ben", 4.0, 7.0, "Thanks for having me.")]
    assert (transcript.title, transcript.date) == ("Interview transcript", "2024-03-01")
    # RFC 7111: the title is record 1, the date record 2, the blank line is no record, the header record 3.
    assert [s.source for s in transcript.segments] == ["cell=4,4", "cell=5,4"]
    assert_cells_check_out(transcript, TITLED, ",")


def test_a_title_row_naming_a_transcript_is_not_taken_for_the_header() -> None:
    text = ("Transcript: council meeting\nSpeaker;Beginn;Text\nMayor Lind;00:00:01;The library reopens.\n"
            "Ames;00:00:05;Good news.\n")
    transcript = parse_document("council.csv", text)
    assert turns(transcript) == [("Mayor Lind", 1.0, 5.0, "The library reopens."), ("Ames", 5.0, 5.0, "Good news.")]
    assert [s.source for s in transcript.segments] == ["cell=3,3", "cell=4,3"]
    assert_cells_check_out(transcript, text, ";")


@pytest.mark.parametrize(
    "header",
    ["Sprecher;Beginn;Ende;Text", "Locuteur;Début;Fin;Texte", "Intervenant;Début;Fin;Transcription",
     "Hablante;Inicio;Fin;Texto", "Orador;Inicio;Final;Transcripción", "Parlante;Inizio;Fine;Testo",
     "Falante;Início;Fim;Texto", "Spreker;Begin;Einde;Tekst", "Sprecher:in;Von;Bis;Äußerung"],
)
def test_headers_in_other_languages_name_speakers_and_times(header: str) -> None:
    text = (f"{header}\nAnna;00:00:01,5;00:00:04;Hallo zusammen.\nBen;00:00:04;00:00:07;Danke schön.\n"
            "Anna;00:00:07;00:00:09;Gern.\n")
    transcript = parsed("gespräch.csv", text)
    assert turns(transcript) == [("Anna", 1.5, 4.0, "Hallo zusammen."), ("Ben", 4.0, 7.0, "Danke schön."),
                                 ("Anna", 7.0, 9.0, "Gern.")]
    assert [s.source for s in transcript.segments] == ["cell=2,4", "cell=3,4", "cell=4,4"]


def test_columns_the_header_does_not_name_are_found_by_what_they_hold() -> None:
    # Only `Texte` is a name the reader knows; the speaker and the time are found by their content,
    # and a confidence column, whose numbers fall, is no time.
    text = ("Qui parle,Quand,Confiance,Texte\nAnna,00:00:01,0.93,Bonjour à tous.\nBen,00:00:04,0.81,Merci bien.\n"
            "Anna,00:00:07,0.88,Avec plaisir.\n")
    transcript = parsed("entretien.csv", text)
    assert turns(transcript) == [("Anna", 1.0, 4.0, "Bonjour à tous."), ("Ben", 4.0, 7.0, "Merci bien."),
                                 ("Anna", 7.0, 7.0, "Avec plaisir.")]


def test_the_delimiter_is_the_one_that_splits_the_rows_alike() -> None:
    # The first row holds as many commas as semicolons: the rows below settle it.
    text = "00:00:01;Anna;Hallo, wie geht's, alles gut?\n00:00:04;Ben;Ja, danke.\n00:00:07;Anna;Schön.\n"
    transcript = parse_document("gespräch.csv", text)
    assert turns(transcript) == [("Anna", 1.0, 4.0, "Hallo, wie geht's, alles gut?"),
                                 ("Ben", 4.0, 7.0, "Ja, danke."), ("Anna", 7.0, 7.0, "Schön.")]
    assert [s.source for s in transcript.segments] == ["cell=1,3", "cell=2,3", "cell=3,3"]
    assert_cells_check_out(transcript, text, ";")


def test_times_with_units_brackets_and_decimal_commas_are_read() -> None:
    text = ('speaker,start,end,text\nA,00:01:02.500,00:01:04,one\nB,1:05,1:07,two\nC,68.5s,70s,three\n'
            'D,[00:01:10],[00:01:12],four\nE,"00:01:13,500","00:01:15,000",five\nF,(00:01:16),76500ms,six\n')
    transcript = parse_document("times.csv", text)
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [
        (62.5, 64.0), (65.0, 67.0), (68.5, 70.0), (70.0, 72.0), (73.5, 75.0), (76.0, 76.5)]


def test_a_bracketed_timecode_column_found_by_its_content_times_the_rows() -> None:
    text = "Timecode,Speaker,Text\n[00:00:01],Anna,Welcome back.\n[00:00:04],Ben,Thanks.\n"
    assert turns(parsed("sonix.csv", text)) == [("Anna", 1.0, 4.0, "Welcome back."), ("Ben", 4.0, 4.0, "Thanks.")]


def test_whole_seconds_of_long_rows_are_not_milliseconds() -> None:
    # Two minutes a row: read as milliseconds, 47 characters would be said in 0.12 s.
    text = ("start,end,text\n0,120,First two minutes of the sermon text goes here.\n"
            "120,240,Second part of the sermon text goes here.\n240,360,Third.\n")
    transcript = parsed("sermon.csv", text)
    assert [(s.start_time, s.end_time) for s in transcript.segments] == [(0.0, 120.0), (120.0, 240.0), (240.0, 360.0)]


@pytest.mark.parametrize("text", ["speaker,start,end,text\n", "Sprecher;Zeit;Inhalt\n",
                                  "Interview transcript\n\nSpeaker,Start,End,Text\n"])
def test_a_header_without_rows_is_refused_not_read_as_speech(text: str) -> None:
    with pytest.raises(CorpusError, match="a header and no rows"):
        parse_document("empty.csv", text)
