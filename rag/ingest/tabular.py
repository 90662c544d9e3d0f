"""Transcripts as tables (`.csv`, `.tsv`): a row per utterance, a column for its words and, where
the file has them, columns for the speaker and the times.

Whisper writes `start<TAB>end<TAB>text` in milliseconds; whisper.cpp `start,end[,speaker],text`,
also in milliseconds, the text quoted (with `\\"` inside, in older versions); Premiere Pro
`"Speaker Name","Start Time","End Time","Text"` with SMPTE timecodes (`00;00;02;06`); people's
own spreadsheets any of these, with a semicolon between cells where Excel is set up for a decimal
comma, headers in their own language and, often, a title and a date in rows above the header.
Columns are found by their names in the header row (the first row naming columns, among the first
twenty), the ones it does not name by what they hold. Each piece points at its cell, `cell=R,C`
(RFC 7111: records counted from 1, rows above the header included, blank lines not counted;
columns from 1), or at its record, `row=R`, when unquoted delimiters spread its words over
several cells.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rag.errors import CorpusError
from rag.ingest.boilerplate import find_full_date, is_title_like
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

_DELIMITERS = (",", ";", "\t", "|")
SHEET_LINE = "\x1esheet="
"""Opens the line a workbook's rendering (`rag.ingest.spreadsheet`) puts first when its rows are not
the first sheet's: the sheet's name follows. No record: U+001E cannot be in a cell of a workbook."""
# Header names, compared after `_name` folds case, accents, punctuation and units away. Each in
# order of preference (a `Line` column may number the lines beside a `Text` one), English first,
# then German, French, Spanish, Italian, Portuguese and Dutch.
_TEXT_NAMES = ("text", "transcript", "transcription", "utterance", "sentence", "caption", "subtitle", "dialogue",
               "dialog", "content", "words", "speech", "body", "message", "comment", "said", "line",
               "inhalt", "transkript", "transkription", "ausserung", "wortlaut", "untertitel",
               "texte", "contenu", "enonce", "propos", "paroles", "sous titre",
               "texto", "transcripcion", "contenido", "enunciado", "frase", "subtitulo", "mensaje",
               "testo", "trascrizione", "contenuto", "battuta", "sottotitolo", "messaggio",
               "transcricao", "conteudo", "fala", "legenda", "mensagem",
               "tekst", "transcriptie", "inhoud", "uitspraak", "ondertitel")
_SPEAKER_NAMES = ("speaker", "speaker name", "speaker label", "speaker id", "speaker tag", "participant", "person",
                  "character", "voice", "talker", "who", "name", "author", "role",
                  "sprecher", "sprecherin", "sprecher in", "redner", "rednerin", "teilnehmer", "teilnehmerin",
                  "locuteur", "locutrice", "intervenant", "intervenante", "orateur", "oratrice", "personne",
                  "hablante", "orador", "oradora", "interlocutor", "interlocutora", "participante", "persona",
                  "parlante", "oratore", "relatore", "interlocutore", "partecipante",
                  "falante", "locutor", "spreker", "spreekster", "deelnemer",
                  "wer", "qui", "quien", "chi", "quem", "wie", "nom", "nombre", "nome", "naam", "rolle", "rol", "ruolo")
_START_NAMES = ("start", "start time", "starttime", "begin", "begin time", "start timecode", "start timestamp",
                "time start", "tc in", "timecode in", "time in", "in point", "in", "from", "start offset", "offset",
                "timecode", "timestamp", "time",
                "beginn", "anfang", "startzeit", "beginnzeit", "zeitstempel", "zeitmarke", "zeitcode", "von", "zeit",
                "debut", "heure de debut", "temps de debut", "horodatage", "temps",
                "inicio", "comienzo", "hora de inicio", "tiempo de inicio", "marca de tiempo", "desde", "tiempo",
                "inizio", "ora di inizio", "tempo di inizio", "tempo", "comeco", "tempo inicial", "marca temporal",
                "begintijd", "starttijd", "tijdstempel", "tijdcode", "van", "tijd")
_END_NAMES = ("end", "end time", "endtime", "stop", "stop time", "end timecode", "end timestamp", "time end",
              "tc out", "timecode out", "time out", "out point", "out", "to",
              "ende", "endzeit", "bis", "fin", "heure de fin", "temps de fin", "hora de fin", "tiempo final",
              "final", "hasta", "fine", "ora di fine", "tempo di fine", "fim", "tempo final", "einde", "eindtijd",
              "eind", "tot")
_DURATION_NAMES = ("duration", "length", "dauer", "lange", "duree", "duracion", "durata", "duracao", "duur", "lengte")
# A word that names the column inside a longer name (`Start Timestamp`, `Heure de début`).
_TEXT_WORDS = ("text", "transcript", "texte", "texto", "testo", "tekst", "transkript", "transcription",
               "transcripcion", "trascrizione", "transcricao", "transcriptie")
_SPEAKER_WORDS = ("speaker", "sprecher", "locuteur", "intervenant", "hablante", "orador", "parlante", "falante",
                  "spreker")
_START_WORDS = ("start", "begin", "in", "beginn", "debut", "inicio", "inizio")
_END_WORDS = ("end", "stop", "out", "ende", "fin", "fine", "fim", "einde")
# Columns a header names as something else: what they hold is never a speaker, a time or the words.
_OTHER_NAMES = frozenset({"id", "no", "nr", "number", "index", "row", "language", "lang", "sprache", "langue",
                          "idioma", "lingua", "taal", "confidence", "score", "channel", "kanal", "canal", "tag",
                          "tags", "category", "type", "sentiment", "emotion", "notes", "note"})
_TITLE_KEYS = frozenset({"title", "titel", "titre", "titulo", "titolo", "subject", "betreff", "sujet", "asunto",
                         "oggetto", "assunto", "onderwerp"})
_KEY_VALUE = re.compile(r"^(?P<key>[^\W\d_][\w .'/-]{0,30}?)\s*[:：]\s*(?P<value>\S.*)$")
_HEADER_SEARCH = 20
_MILLISECOND_HINT = re.compile(r"\b(ms|msec|millis|milliseconds?)\b")
_SECOND_HINT = re.compile(r"\b(s|sec|secs|seconds?)\b")
# `01:02:03.450`, `2:03`, `1:02:03,4` (clock times), `00:01:02:12` or `00;01;02;12` (SMPTE, frames last).
_CLOCK = re.compile(r"^(?:(?P<h>\d+)[:;])?(?P<m>\d{1,2})[:;](?P<s>\d{1,2}(?:[.,]\d+)?)(?:[:;](?P<f>\d{1,2}))?$")
_SMPTE = re.compile(r"^\d+[:;]\d{1,2}[:;]\d{1,2}[:;]\d{1,2}$|;")
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$")
# `62.5s`, `64 sec`, `1500ms`: a number with its unit.
_WITH_UNIT = re.compile(r"^(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>ms|msec|s|sec|secs)$", re.I)
# `[00:00:01]`, `(00:01:02.5)`, `{1:02}`: a time in brackets, as Sonix and others write them.
_BRACKETED = re.compile(r"^[\[({<]\s*(?P<inner>[^\[\](){}<>]*?)\s*[\])}>]$")
_LETTER = re.compile(r"[^\W\d_]")
_FRAME_RATES = (24, 25, 30, 50, 60)
_LONGEST_LABEL = 60
_FASTEST_SPEECH = 50
"""Characters a second: no one speaks faster (rapid speech is some 20)."""


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
        """The transcript of the rows; title and date from rows above the header, where the file has
        them (the sidecar's win)."""
        table = read_table(doc_id, text.lstrip("\ufeff"), tab=doc_id.lower().endswith(".tsv"))
        if table.title or table.date:
            metadata = Metadata(title=table.title, date=table.date).overridden_by(metadata)
        return build_transcript(doc_id, self.name, table.pieces(), metadata)


@dataclass(frozen=True)
class Record:
    """One record of the file: its number (RFC 7111's row) and its cells."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class Columns:
    """Which column (from 0) holds what; `header` is the index of the record naming the columns (None:
    no record does), `named` whether that record names the column of words."""

    text: int
    speaker: int | None
    start: int | None
    end: int | None
    duration: int | None
    header: int | None
    named: bool = False


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
    title: str | None = None
    """From the rows above the header (`Interview transcript`), where the file has them."""
    date: str | None = None
    """ISO `YYYY-MM-DD`, from the rows above the header."""

    @property
    def body(self) -> list[Record]:
        """The records below the header (all of them without one)."""
        header = self.columns.header
        return self.records[header + 1 :] if header is not None else self.records

    def pieces(self) -> Iterator[Piece]:
        """A piece per record with words, timed where the file says when."""
        text_column = self.columns.text
        for record, start, end in zip(self.body, self.start_seconds, self.end_seconds, strict=True):
            cells = record.cells
            spilled = text_column == self.width - 1 and len(cells) > self.width
            words = self.delimiter.join(cells[text_column:]) if spilled else _cell(cells, text_column)
            source = f"row={record.number}" if spilled else f"cell={record.number},{text_column + 1}"
            yield Piece(text=words, source=source, start_time=start, end_time=end,
                        speaker=_speaker(_cell(cells, self.columns.speaker)))


def read_table(doc_id: str, text: str, *, tab: bool) -> Table:
    """The file's records and columns; CorpusError names the line or what is missing."""
    if text.startswith(SHEET_LINE):
        text = text.partition("\n")[2]
    delimiter = "\t" if tab else _delimiter(text)
    records = _records(doc_id, text, delimiter)
    if not records:
        raise CorpusError(f"{doc_id}: no rows in the file")
    header = _header_at(records)
    if header is not None and header == len(records) - 1:
        named = ", ".join(cell.strip() for cell in records[header].cells if cell.strip())
        raise CorpusError(f"{doc_id}: no spoken text found: the table has a header and no rows ({named})")
    columns = _columns(doc_id, records, header)
    body = records[columns.header + 1 :] if columns.header is not None else records
    names = [_name(cell) for cell in records[columns.header].cells] if columns.header is not None else []
    start_seconds, end_seconds = _times(body, columns, names)
    title, date = preamble(records[: columns.header or 0])
    width = len(records[columns.header or 0].cells)
    return Table(records, columns, width, delimiter, start_seconds, end_seconds, title, date)


def table_heading(records: list[Record]) -> tuple[str | None, str | None]:
    """The title and ISO date that rows above the header give (None where they do not)."""
    return preamble(records[: _header_at(records) or 0]) if records else (None, None)


def preamble(records: Sequence[Record]) -> tuple[str | None, str | None]:
    """The title and ISO date of rows above a header: the title the first row that reads as one
    (`Interview transcript`, or `Title: ...`), the date the first full date in them."""
    title: str | None = None
    date: str | None = None
    for record in records:
        cells = [" ".join(cell.split()) for cell in record.cells if cell.strip()]
        line = " ".join(cells)
        found = find_full_date(line)
        if date is None and found:
            date = found[0]
        if title is not None:
            continue
        pair = _KEY_VALUE.match(cells[0]) if len(cells) == 1 else None
        key, value = (pair["key"], pair["value"]) if pair else (cells[0].rstrip(":："), " ".join(cells[1:]))
        if _name(key) in _TITLE_KEYS and value:
            title = value
        elif len(cells) == 1 and pair is None and is_title_like(line) and not (
                found and len(line.replace(found[1], " ").split()) < 2):
            title = line
    return title, date


def _delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number of cells (two or more) most
    often; on a tie the one the first line holds most of outside quotes (a comma on a tie)."""
    lines: list[str] = []
    for line in io.StringIO(text, newline=""):
        if line.strip():
            lines.append(line)
        if len(lines) == 50:
            break
    sample = "".join(lines)
    unquoted = re.sub(r'"[^"]*"', "", lines[0] if lines else "")

    def consistency(delimiter: str) -> int:
        try:
            counts = [len(cells) for cells in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                      if any(cell.strip() for cell in cells)]
        except csv.Error:
            return 0
        several = Counter(count for count in counts if count > 1)
        return several.most_common(1)[0][1] if several else 0

    scores = {d: (consistency(d), unquoted.count(d), d == ",") for d in _DELIMITERS}
    best = max(scores, key=lambda d: scores[d])
    return best if scores[best][0] or scores[best][1] else ","


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


def _header_at(records: list[Record]) -> int | None:
    """The index of the record naming the columns: among the first twenty, the one naming the most
    (two or more, by their exact names, none of them a time), every row above it no wider (a title,
    a date, `Interviewer: Jane`); else the first record when it names a column of words."""
    best: tuple[int, int] | None = None  # names, index
    widest = 0
    for index, record in enumerate(records[:_HEADER_SEARCH]):
        filled = sum(1 for cell in record.cells if cell.strip())
        if filled >= widest and _header_shaped(record.cells):
            named = sum(1 for cell in record.cells if cell.strip() and _role(_name(cell)))
            if named >= 2 and (best is None or named > best[0]):
                best = (named, index)
        widest = max(widest, filled)
    if best is not None:
        return best[1]
    first = records[0].cells
    if _header_shaped(first) and _named([_name(c) for c in first], _TEXT_NAMES, _TEXT_WORDS) is not None:
        return 0
    return None


def _header_shaped(cells: Sequence[str]) -> bool:
    """Whether the cells could name columns: short, and none of them a time."""
    return all(len(cell.strip()) <= 40 and _seconds(cell) is None for cell in cells if cell.strip())


def _role(name: str) -> str | None:
    """What a header cell, folded, names exactly (units aside): `text`, `speaker`, `start`, `end`, `duration`."""
    bare = _bare(name)
    for role, names in (("text", _TEXT_NAMES), ("speaker", _SPEAKER_NAMES), ("start", _START_NAMES),
                        ("end", _END_NAMES), ("duration", _DURATION_NAMES)):
        if bare in names:
            return role
    return None


def _columns(doc_id: str, records: list[Record], header: int | None) -> Columns:
    """Columns by their names in the header record, those it does not name by what the records below
    hold; without a header, all by what the records hold."""
    if header is None:
        return _columns_by_content(doc_id, records)
    names = [_name(cell) for cell in records[header].cells]
    taken: set[int] = set()

    def named(wanted: tuple[str, ...], contains: tuple[str, ...] = ()) -> int | None:
        index = _named(names, wanted, contains, taken)
        if index is not None:
            taken.add(index)
        return index

    text = named(_TEXT_NAMES, _TEXT_WORDS)
    speaker = named(_SPEAKER_NAMES, _SPEAKER_WORDS)
    start = named(_START_NAMES, _START_WORDS)
    end = named(_END_NAMES, _END_WORDS)
    duration = named(_DURATION_NAMES)
    if text is not None and speaker is not None and start is not None and (end is not None or duration is not None):
        return Columns(text, speaker, start, end, duration, header, named=True)
    # Columns the header names as something else (`Confidence`, `Language`) are not guessed at.
    others = taken | {i for i, name in enumerate(names) if _bare(name) in _OTHER_NAMES}
    body = records[header + 1 :]
    found_text, found_speaker, timed = _by_content(body, others, text=text, rising=True)
    if found_text is None:
        raise CorpusError(f"{doc_id}: no column of spoken words; name one in the header row "
                          f"(text, transcript, ...): it has {', '.join(repr(c) for c in records[header].cells)}")
    timed = [c for c in timed if c not in (found_text, found_speaker)]
    if start is None and timed:
        start = timed.pop(0)
    if end is None and duration is None and timed:
        end = timed.pop(0)
    return Columns(found_text, speaker if speaker is not None else found_speaker, start, end, duration, header,
                   named=text is not None)


def _columns_by_content(doc_id: str, records: list[Record]) -> Columns:
    """Unnamed columns: those holding times in every row that has a value, the longest words, and
    a short label that recurs (the speaker). A first record with no time or number is a header."""
    first = records[0].cells
    header = len(records) > 1 and all(cell.strip() and len(cell) <= 40 and _seconds(cell) is None for cell in first)
    body = records[1:] if header else records
    text, speaker, timed = _by_content(body, set())
    if text is None:
        raise CorpusError(f"{doc_id}: no column of spoken words; name one in the first row "
                          f"(text, transcript, ...): it has {', '.join(repr(c) for c in first)}")
    return Columns(text=text, speaker=speaker, start=timed[0] if timed else None,
                   end=timed[1] if len(timed) > 1 else None, duration=None, header=0 if header else None)


def _by_content(body: list[Record], excluded: set[int], *, text: int | None = None,
                rising: bool = False) -> tuple[int | None, int | None, list[int]]:
    """The column of words (`text` where the header names it, else the longest words), a column of
    short recurring labels (the speaker) and the columns of times (clock times first), among those
    not `excluded`. `rising`: a column of plain numbers is a time only when they never fall (a
    confidence or a count is not)."""
    width = max(len(r.cells) for r in body)
    columns = [[_cell(r.cells, c).strip() for r in body] for c in range(width)]
    free = [c for c in range(width) if c not in excluded and c != text]
    timed = [c for c in free if any(columns[c]) and all(_seconds(v) is not None for v in columns[c] if v)
             and not _is_counter(columns[c]) and not (rising and _falls(columns[c]))]
    # Clock times before plain numbers: a number column may be a confidence or an id.
    timed.sort(key=lambda c: all(_NUMBER.match(v) for v in columns[c] if v))
    others = [c for c in free if c not in timed and any(_LETTER.search(v) for v in columns[c])]
    if text is None and others:
        text = max(others, key=lambda c: sum(len(v) for v in columns[c]))
    speaker = next((c for c in others if c != text and _is_label_column(columns[c])), None)
    return text, speaker, timed


def _falls(values: Sequence[str]) -> bool:
    """Whether a column of plain numbers ever falls from one row to the next."""
    numbers = [float(v.replace(",", ".")) for v in values if v and _NUMBER.match(v)]
    return any(b < a for a, b in zip(numbers, numbers[1:]))


def _is_counter(values: Sequence[str]) -> bool:
    """Whether the column numbers the records (1, 2, 3, ...), as a cue or line number does."""
    return len(values) > 1 and all(v.isdigit() and len(v) <= _COUNTER_DIGITS for v in values) and all(
        int(b) == int(a) + 1 for a, b in zip(values, values[1:]))


_COUNTER_DIGITS = 9  # a record number; int() refuses a cell of thousands of digits


def _is_label_column(values: Sequence[str]) -> bool:
    """Whether the column holds short labels, some of them more than once (a speaker's name)."""
    filled = [v for v in values if v]
    return len(set(filled)) < len(filled) and len(set(filled)) <= max(2, len(filled) // 2) and all(
        len(v) <= _LONGEST_LABEL and not _NUMBER.match(v) for v in filled)


def _name(cell: str) -> str:
    """A header cell folded for comparison: `"Start Time (ms)"` -> `start time ms`, `speaker_name` ->
    `speaker name`, `Début` -> `debut`, `Länge` -> `lange`."""
    decomposed = unicodedata.normalize("NFKD", cell.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def _bare(name: str) -> str:
    """A folded name without its unit: `start time ms` -> `start time`."""
    return " ".join(_MILLISECOND_HINT.sub("", _SECOND_HINT.sub("", name)).split())


def _named(names: list[str], wanted: tuple[str, ...], contains: tuple[str, ...] = (),
           taken: set[int] | frozenset[int] = frozenset()) -> int | None:
    """The column named the most preferred of `wanted` (units aside), else the first whose name has a
    word of `contains`; never one of `taken`."""
    bare = [_bare(n) if i not in taken else None for i, n in enumerate(names)]
    exact = next((bare.index(name) for name in wanted if name in bare), None)
    if exact is not None or not contains:
        return exact
    return next((i for i, name in enumerate(names)
                 if i not in taken and any(word in name.split() for word in contains)), None)


def _times(body: list[Record], columns: Columns, names: list[str]) -> tuple[list[float | None], list[float | None]]:
    """Each record's start and end in seconds (None where the file gives none); `names` are the
    header's, folded (none without a header)."""
    def column(index: int | None) -> list[str]:
        return [_unbracketed(_cell(r.cells, index)) for r in body] if index is not None else [""] * len(body)

    starts, ends, durations = column(columns.start), column(columns.end), column(columns.duration)
    fps = _frame_rate(starts + ends)
    start_values = [_seconds(v, fps) for v in starts]
    end_values = [_seconds(v, fps) for v in ends]
    duration_values = [_seconds(v, fps) for v in durations]
    spoken = [len(" ".join(_cell(r.cells, columns.text).split())) for r in body]
    unit = _unit(starts + ends + durations, start_values, end_values, duration_values, spoken,
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
          spoken: list[int], names: list[str]) -> float:
    """Seconds per unit of the plain numbers: a header may say (`start_ms`); else whole numbers whose
    typical utterance lasts 100 or more are milliseconds (Whisper's TSV, whisper.cpp's CSV), as no one
    speaks for minutes a row, unless so read the typical row's words (`spoken`, characters) would be
    said faster than anyone speaks: then they are seconds (a long row of a sermon, `0,120`)."""
    if any(_MILLISECOND_HINT.search(n) for n in names):
        return 0.001
    if any(_SECOND_HINT.search(n) for n in names):
        return 1.0
    numbers = [v for v in raw if v and _NUMBER.match(v)]
    if not numbers or any(not v.isdigit() for v in numbers):
        return 1.0
    # Each row's length: from its start to its end, else its duration, else to the next row's start.
    lengths: list[float | None] = [e - s if s is not None and e is not None and e > s else d or None
                                   for s, e, d in zip(starts, ends, durations, strict=True)]
    if not any(lengths):
        following: float | None = None
        for index in range(len(starts) - 1, -1, -1):
            start = starts[index]
            if start is not None:
                lengths[index] = following - start if following is not None and following > start else None
                following = start
    lasting = [(length, characters) for length, characters in zip(lengths, spoken, strict=True) if length]
    if not lasting or statistics.median(length for length, _ in lasting) < 100:
        return 1.0
    rates = [characters / (length / 1000) for length, characters in lasting if characters]
    return 1.0 if rates and statistics.median(rates) > _FASTEST_SPEECH else 0.001


def _scaled(value: float | None, raw: str, unit: float) -> float | None:
    # Only plain numbers carry the unit; a clock time is seconds already.
    return round(value * unit, 3) if value is not None and _NUMBER.match(raw) else value


def _frame_rate(values: list[str]) -> int:
    """The frame rate of SMPTE timecodes (frames last), which the file does not state: the least
    common rate above the highest frame number it shows."""
    frames = [int(m.group("f")) for v in values if v and _SMPTE.search(v) and (m := _CLOCK.match(v)) and m.group("f")]
    highest = max(frames, default=0)
    return next((rate for rate in _FRAME_RATES if rate > highest), _FRAME_RATES[-1])


def _unbracketed(value: str) -> str:
    """A time cell without its brackets: `[00:00:01]` -> `00:00:01` (`[1]`, a number, keeps them)."""
    value = value.strip()
    match = _BRACKETED.match(value)
    return match["inner"] if match and (_CLOCK.match(match["inner"]) or _WITH_UNIT.match(match["inner"])) else value


def _seconds(value: str, fps: int = 30) -> float | None:
    """A time cell as a number (of the column's unit) or seconds (a clock time, `62.5s`, `1500ms`);
    None when it is none of these."""
    value = _unbracketed(value)
    if _NUMBER.match(value):
        return float(value.replace(",", "."))
    unit = _WITH_UNIT.match(value)
    if unit:
        number = float(unit["n"].replace(",", "."))
        return round(number / 1000, 3) if unit["unit"].lower() in ("ms", "msec") else number
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
