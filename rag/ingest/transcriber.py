"""Transcriber files (`.trs`): the XML that Transcriber and TranscriberAG write, as speech corpora
(LDC's broadcast news, ESTER, TCOF), oral history projects and newsrooms keep their transcripts.

`<Speakers>` names each speaker id (`<Speaker id="spk1" name="Jean Dupont"/>`); the `<Episode>`
holds `<Section>`s of `<Turn speaker="spk1" startTime endTime>`. Inside a turn, `<Sync time="5.2"/>`
marks a point in time: each run of words from one Sync to the next (or to the turn's end) is a
piece timed from that Sync to the next one (the turn's `endTime` after the last); words before
the first Sync start at the turn's `startTime`. A turn of two speakers (`speaker="spk1 spk2"`) is
overlapping speech, its words split among them by `<Who nb="1"/>`, `<Who nb="2"/>`: each part is
its speaker's. `<Event>` (noises, pronunciation notes), `<Comment>` and `<Background>` are left
out, and the words split around them. Each `<Turn>` opens a turn of the transcript.

The speaker is the `<Speaker>`'s `name` (its id when it has none); a turn without a speaker
(music, silence) is narration. `<Episode program="...">` is the title, its `air_date` the date
when it holds a full date (`1998-04-28`; LDC's `980428:0700` names no century and is left out).
`audio_filename` names a local file, not a URL. Each piece points at its words' characters in
the file (`char=a,b`, from its first word to its last). A file that is not well-formed XML, or a
time that is no number, is refused with a CorpusError naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.errors import CorpusError
from rag.ingest.boilerplate import find_full_date
from rag.ingest.html import PositionedParser
from rag.ingest.names import NO_SPEAKER
from rag.ingest.well_formed import check_well_formed
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Transcript

SUFFIX = ".trs"
_ROOT = "trans"
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
# `2007-07-11T19:00`: an ISO time after the date, which `find_full_date` reads as one word.
_ISO_TIME = re.compile(r"(?<=\d)T(?=\d)")


@dataclass
class _Run:
    """Words between two pieces of markup: decoded, and the file's characters holding them."""

    data: str
    start: int
    end: int = -1
    speaker: str | None = None
    sync: int = 0
    """Which of its turn's times it starts at (0: the turn's start, n: its n-th Sync)."""


@dataclass
class _Turn:
    speakers: list[str]
    line: int
    times: list[float]
    """The turn's start, then each Sync's time."""
    lines: list[int]
    """The line of each of `times`."""
    end_time: float
    runs: list[_Run] = field(default_factory=list)
    speaker: str | None = None
    """Who speaks at this point of the turn (the turn's speaker, or the last `<Who>`'s)."""


class TranscriberReader:
    """Transcriber and TranscriberAG transcripts (`.trs`)."""

    name = "transcriber"
    media_types = {SUFFIX: ("application/xml", "text/xml")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the turns' words, in the file's order; CorpusError when the file is
        not well-formed XML, not a Transcriber file, has a time that is no number, or holds no words."""
        check_well_formed(doc_id, text, "Transcriber")
        document = _Document(doc_id, text)
        document.feed(text)
        document.close()
        if not document.saw_root:
            raise CorpusError(f"{doc_id}: not a Transcriber file: no <Trans> element")
        pieces = [piece for turn in document.turns for piece in _pieces(doc_id, turn, document.names, text)]
        own = Metadata(title=document.title, date=document.date)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _pieces(doc_id: str, turn: _Turn, names: dict[str, str], text: str) -> list[Piece]:
    """A turn's runs of words as pieces, each timed from its Sync to the next (or the turn's end);
    the first opens a new turn of the transcript."""
    ends = [*turn.times[1:], turn.end_time]
    lines = [*turn.lines[1:], turn.line]
    for start, end, line in zip(turn.times, ends, lines, strict=True):
        if end < start:
            raise CorpusError(f"{doc_id}: line {line}: the time goes back ({end:g} after {start:g})")
    pieces = []
    for run in turn.runs:
        raw = text[run.start:run.end]
        words = " ".join(run.data.split())
        if not words:
            continue
        left = run.start + len(raw) - len(raw.lstrip())
        right = run.end - (len(raw) - len(raw.rstrip()))
        pieces.append(Piece(words, f"char={left},{right}", turn.times[run.sync], ends[run.sync],
                            speaker=_name(run.speaker, names), new_turn=not pieces))
    return pieces


def _name(speaker_id: str | None, names: dict[str, str]) -> str | None:
    """The name `<Speakers>` gives an id (the id itself where it gives none); None for nobody."""
    if speaker_id is None:
        return None
    name = names.get(speaker_id) or speaker_id
    return None if name.lower() in NO_SPEAKER else name


class _Document(PositionedParser):
    """Walks the file once: speakers, the episode's title and date, and each turn's runs of words."""

    def __init__(self, doc_id: str, text: str) -> None:
        super().__init__(text)
        self._doc_id = doc_id
        self.saw_root = False
        self.names: dict[str, str] = {}
        self.title: str | None = None
        self.date: str | None = None
        self.turns: list[_Turn] = []
        self._turn: _Turn | None = None
        self._run: _Run | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Speakers, the episode and turns open; inside a turn, a Sync moves the time on and a Who
        changes the speaker. Any tag ends the run of words before it."""
        self._end_run()
        values = {name: value or "" for name, value in attrs}
        if tag == _ROOT:
            self.saw_root = True
        elif not self.saw_root:
            return
        elif tag == "speaker":
            speaker_id = values.get("id", "").strip()
            if speaker_id:
                self.names[speaker_id] = " ".join(values.get("name", "").split())
        elif tag == "episode":
            self.title = " ".join(values.get("program", "").split()) or None
            found = find_full_date(_ISO_TIME.sub(" ", values.get("air_date", "")))
            self.date = found[0] if found else None
        elif tag == "turn":
            speakers = values.get("speaker", "").split()
            start = self._time(values.get("starttime"), "the turn's startTime")
            end = self._time(values.get("endtime"), "the turn's endTime")
            line = self.getpos()[0]
            self._turn = _Turn(speakers, line, [start], [line], end,
                               speaker=speakers[0] if len(speakers) == 1 else None)
            self.turns.append(self._turn)
        elif self._turn is not None and tag == "sync":
            self._turn.times.append(self._time(values.get("time"), "a Sync's time"))
            self._turn.lines.append(self.getpos()[0])
        elif self._turn is not None and tag == "who":
            self._turn.speaker = self._who(values.get("nb", ""))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Sync, Who, Event, Comment and Background are empty elements; so is a turn without words."""
        self.handle_starttag(tag, attrs)
        if tag == "turn":
            self._turn = None

    def handle_endtag(self, tag: str) -> None:
        """A turn's words end with it."""
        self._end_run()
        if tag == "turn":
            self._turn = None

    def handle_data(self, data: str) -> None:
        """Words of the turn, its speaker's at this point, from its last Sync."""
        self._end_run()
        if self._turn is not None:
            self._run = _Run(data, self.position(), speaker=self._turn.speaker, sync=len(self._turn.times) - 1)
            self._turn.runs.append(self._run)

    def _end_run(self) -> None:
        """The run of words open ends where this piece of markup starts."""
        if self._run is not None:
            self._run.end = self.position()
            self._run = None

    def _who(self, number: str) -> str | None:
        """The speaker `<Who nb="n"/>` gives the words after it: the turn's n-th; None when the
        turn names no n-th."""
        assert self._turn is not None
        position = int(number) if number.strip().isdigit() else 0
        return self._turn.speakers[position - 1] if 1 <= position <= len(self._turn.speakers) else None

    def _time(self, value: str | None, what: str) -> float:
        """Seconds of a time attribute; CorpusError names the line where it is missing or no number."""
        if value is None or not _NUMBER.fullmatch(value.strip()):
            line, _ = self.getpos()
            found = "missing" if value is None else f"{value!r}, not a time in seconds"
            raise CorpusError(f"{self._doc_id}: line {line}: {what} is {found}")
        return round(float(value), 3)
