"""Parse a raw transcript into speaker turns with exact character spans.

Handles the shapes transcripts take on the web and in meeting corpora:

* a speaker label alone on a line (`Zhu Bing:`), the turn on the lines below;
* inline labels (`Peng Jiaxue, Member of ...: “...”`, `MR. SMITH: ...`, `Q: ...`);
* header blocks that look like labels but are not (`Speakers:`, `Chairperson:`, `Date:`),
  with a speakers list whose roles carry over to later turns;
* narration and reported speech (`Wang Hong, deputy director ..., said that ...`);
* web clutter around the text (navigation, pagination, share and comment boxes).

The source is never rewritten: clutter is skipped, and every turn is a `[start, end)` span.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

import msgspec

from rag.ingest import boilerplate, labels
from rag.ingest.captions import seconds
from rag.ingest.front_matter import read_front_matter
from rag.ingest.names import speaker_key
from rag.types import Speaker, Transcript, Turn, TurnKind

_OPEN_QUOTES = "“\"‘«「"
_CLOSE_QUOTES = "”\"’»」"
# Names alone above paragraphs are labels when they head at least this share of the paragraphs.
_MIN_HEADED_SHARE = 0.3
# Who an `A.` paragraph's speaker is, named for the mark.
_ANSWER = "A"
_WITNESS = "the witness"
_QUESTION = "Q"
# A file whose paragraphs mostly open with `Name:` labels: three or more, 60% of the paragraphs.
_MIN_LABELLED_PARAGRAPHS = 3
_LABELLED_SHARE = 0.6
_DASH_LABELLED_SHARE = 0.5
# A capitals label wrapped onto at most this many more lines.
_MAX_LABEL_LINES = 3
# Alone on its line, a label's role is short; quoted words after it vouch for a longer one.
_MAX_ROLE_WORDS = 10
_SENTENCE_CLOSE = re.compile(r"[.?!:;…\"”’)\]]\s*$")


@dataclass
class _Line:
    start: int
    end: int
    text: str
    heading: bool = False
    """A Markdown heading (`# Interview: the harbour master`): a title or a name, never `Name: words`."""


@dataclass
class _OpenTurn:
    kind: TurnKind
    speaker: str | None
    role: str | None
    spans: list[tuple[int, int]] = field(default_factory=list)
    accepts_more: bool = True
    quoted: bool = False
    one_paragraph: bool = False
    """An introducer's turn (`_introducer`): its paragraph, no more."""


def parse_transcript(doc_id: str, text: str, vouched_labels: Collection[str] = ()) -> Transcript:
    """Parse `text` (the whole file, decoded) into a `Transcript` whose spans index into `text`;
    `vouched_labels` are labels the file's markup shows as such (a web page's bold `Name:`), taken
    wherever they open a line as a listed speaker's name is."""
    if "\r" not in text:
        return _Parser(doc_id, text, vouched_labels).run()
    # A line that ends in a carriage return alone (classic Mac OS, some exporters) is a line too:
    # read where each is a newline, one character for one, so that every span indexes `text`.
    parsed = _Parser(doc_id, _LONE_CR.sub("\n", text), vouched_labels).run()
    return msgspec.structs.replace(parsed, text=text)


def _is_blank(char: str) -> bool:
    # A byte-order mark is invisible: it is never part of a turn.
    return char.isspace() or char == "\ufeff"


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    """`[start, end)` of `text` without the blanks (and a byte-order mark) at either end."""
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return start, end


# Markup that is no one's words, seen through rather than parsed: Markdown headings, block
# quotes (`>>` marks a new speaker in broadcast transcripts), a bullet before a bold label, and
# bold (`**Maria Lopez:** words`). Blanked out of a line's view, never out of the text.
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+")
_CHEVRON = re.compile(r"^[ \t]*>>", re.MULTILINE)
_LONE_CR = re.compile(r"\r(?!\n)")
_HEADING_ROLE = re.compile(r"^(?P<name>[^-–—\n]{2,60}?)\s+(?:-{2,}|–|—)\s+(?P<role>[^\n]{2,80}?)\s*$")
_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|(?:>[ \t]?)+|[-*+][ \t]+(?=\*\*))|\*\*")
# A whole line in italics (`*Adam*` above what Adam said): the marks are markup too.
# Every mark `_MARKUP` or `_ITALIC_LINE` blanks holds one of these.
_MARKUP_CHARACTER = re.compile(r"[#>*_]")
_ITALIC_LINE = re.compile(r"^([ \t]*)[*_](?=[^\s*_])([^*_\n]{1,80}?)[*_]([ \t]*)$")
# A label in brackets before its colon (`[SPEAKER_00]: words`, as diarization scripts print
# turns): the brackets are blanked, the name inside read as a label.
_BRACKETED_LABEL = re.compile(r"^([ \t]*)\[([^\[\]\n]{1,80})\]([ \t]*[:：])")


# Marks that show nothing (direction marks, zero-width spaces, a stray byte-order mark): text copied
# from right-to-left apps opens each line with U+200F, which hid the `الصحفي:` label after it.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def markup_blanked(line: str) -> str:
    """`line` with its Markdown markup (`_MARKUP`) blanked: the same length, so an offset into it
    is one into the line."""
    if not _MARKUP_CHARACTER.search(line):
        return line  # most lines: a search is cheaper than the two rewrites
    blanked = _MARKUP.sub(lambda markup: " " * len(markup.group()), line)
    return _ITALIC_LINE.sub(lambda italic: f"{italic[1]} {italic[2]} {italic[3]}", blanked)


# HTML paragraphs kept in Markdown (`<p><b>MR. CHIEF JUSTICE STONE</b>: words</p>`, as Jekyll pages
# hold them): the paragraph's tags and the bold around a label opening it are markup, as `**` is.
_HTML_PARAGRAPH = re.compile(r"^[ \t]*<p(?:\s[^<>\n]*)?>[ \t]*(?:<(b|strong)>[^<>\n]{1,80}</\1>)?")
_HTML_TAG = re.compile(r"</?(?:p|b|strong)(?:\s[^<>\n]*)?>")
_HTML_PARAGRAPH_END = re.compile(r"</p>[ \t]*$")


def _html_blanked(line: str) -> str:
    """`line` with the tags of an HTML paragraph opening it blanked: `<p>`, a bold label's `<b>` and
    `</b>` after it, and the `</p>` closing the line; the same length."""
    opening = _HTML_PARAGRAPH.match(line)
    if opening is None:
        return line
    head = _HTML_TAG.sub(lambda tag: " " * len(tag.group()), opening.group())
    line = head + line[opening.end() :]
    return _HTML_PARAGRAPH_END.sub(lambda tag: " " * len(tag.group()), line)


def _iter_lines(text: str) -> Iterator[_Line]:
    """Each non-blank line as its span in `text` and a view of it with markup blanked out (same
    length, so an offset into the view is one into the text)."""
    for match in re.finditer(r"[^\n]+", text):
        view = _INVISIBLE.sub(" ", markup_blanked(_html_blanked(match.group())))
        view = _BRACKETED_LABEL.sub(lambda label: f"{label[1]} {label[2]} {label[3]}", view)
        first, last = trimmed_span(view, 0, len(view))
        if first < last:
            heading = bool(_HEADING.match(match.group()))
            yield _Line(match.start() + first, match.start() + last, view[first:last], heading)


def _opens_with_speaker_label(line: _Line) -> bool:
    """Whether the line opens with a bare `Name: ` label that is no metadata field (`Date:`) and
    is no heading."""
    match = None if line.heading else labels.inline_label(line.text)
    if match is None or not labels.is_bare_label(match.group("label")):
        return False
    name, _ = labels.split_name_role(match.group("label"))
    return labels.is_name_like(name) and name.lower() not in labels.METADATA_LABELS


_MIN_HEARING_LABELS = 3
_MIN_SURNAME = 3


def _heading_name_role(text: str) -> tuple[str, str | None]:
    """A heading line's name and the role a dash sets after it (`Erik Woodring -- Analyst`)."""
    match = _HEADING_ROLE.match(text)
    return (match["name"], match["role"]) if match else (text, None)


class _Parser:
    def __init__(self, doc_id: str, text: str, vouched_labels: Collection[str] = ()) -> None:
        self.doc_id = doc_id
        self.text = text
        self.vouched = {speaker_key(labels.split_name_role(label)[0]) for label in vouched_labels}
        self.lines = list(_iter_lines(text))
        self.title: str | None = None
        self.date: tuple[str, str] | None = None
        # Front matter gives title and date, and is left out of every line the parser sees.
        front = read_front_matter(text)
        self.listed_speakers = front.speakers if front is not None else ()
        if front is not None:
            self.title = front.title
            self.date = (front.date, front.date_text) if front.date and front.date_text else None
            self.lines = [line for line in self.lines if line.start >= front.end]
        self.front_matter: list[str] = []
        self.header_fields = self._header_fields() or self._cjk_header_fields()
        self.speakers: dict[str, Speaker] = {}
        self.abbreviations: dict[str, list[str]] = {}
        self.turns: list[Turn] = []
        self.current: _OpenTurn | None = None
        self.body_started = False
        self.listed = {speaker_key(name) for name in self.listed_speakers}
        self.recurring_labels = self._recurring_inline_labels()
        self.recurring_comma_labels = self._recurring_comma_labels()
        self.labels_are_the_convention = self._labels_are_the_convention()
        self.hearing_labels, self.hearing_convention = self._recurring_hearing_labels()
        self.dash_labels = self._recurring_dash_labels()
        self.heading_lines = self._speaker_headings()
        self.chapter_lines = self._chapter_lines()
        # `A.` answers count where questions are so marked, twice or more; once will do in a talk whose
        # front matter names its one speaker (one question from the floor, answered).
        questions = sum(bool(labels.QUESTION_PARAGRAPH.match(line.text)) for line in self.lines)
        self.marked_answers = questions >= 2 or (questions == 1 and len(self.listed_speakers) == 1)
        # Broadcast transcripts mark each change of speaker with `>>`, named or not (closed captions pasted as text).
        self.chevron_changes = len(_CHEVRON.findall(text)) >= 2
        self.introducer = self._introducer()

    # -- driver ---------------------------------------------------------------------------
    def run(self) -> Transcript:
        """Read every line once: clutter skipped, labels open turns, the rest joins the open turn."""
        index = 0
        introduced: str | None = None
        while index < len(self.lines):
            line = self.lines[index]
            if boilerplate.is_end_marker(line.text):
                break
            if boilerplate.is_clutter(line.text):
                self._close()
                if not self.body_started:
                    self.front_matter.append(line.text)
                index += 1
                continue
            opened, index = index, self._handle(index, line)
            if (current := self.current) is not None and self.introducer == (opened, current.speaker):
                current.one_paragraph = True
                introduced = current.speaker
        self._close()
        asked = self._read_translated_marks() if len(self.listed_speakers) == 1 else set()
        # An introducer's words aside (`_introducer`), the talk is the one listed speaker's.
        marks = {None, _QUESTION, _ANSWER, *asked, introduced}
        if len(self.listed_speakers) == 1 and {turn.speaker for turn in self.turns} <= marks:
            self._attribute_to(self.listed_speakers[0])
        elif (witness := self.speakers.get(_WITNESS)) is not None and speaker_key(_ANSWER) in self.speakers:
            self._answers_are(witness)
        date, date_text = self._document_date()
        return Transcript(
            doc_id=self.doc_id,
            text=self.text,
            title=self.title,
            date=date,
            date_text=date_text,
            speakers=list(self.speakers.values()),
            turns=self.turns,
        )

    def _handle(self, index: int, line: _Line) -> int:
        if index in self.header_fields:
            self.front_matter.append(line.text)
            self._add_header(line.start, line.end)
            return index + 1
        wrapped = self._wrapped_label(index)
        if wrapped:
            return index + wrapped
        if index in self.heading_lines:
            name, role = _heading_name_role(line.text)
            self._open(labels.turn_kind(name), name, role)
            return index + 1
        if not self._runs_on(index) and self._reported_turn(line, index):
            return index + 1
        if self._segment_marker(line):
            return index + 1
        alone = labels.alone_label(line.text)
        if alone:
            consumed = self._header_block(index, alone.group("label"))
            if consumed:
                return index + consumed
            name, role = labels.split_name_role(alone.group("label"))
            # "... elections in / Brazil, I will say the following here:" is a sentence, not a label.
            label = alone.group("label")
            clause = not labels.is_bare_label(label) and role is not None and (
                len(role.split()) > _MAX_ROLE_WORDS or not labels.is_comma_role(name, role))
            vouched = not labels.is_caseless_name(name) or self._known_or_recurring(name)
            if (labels.is_name_like(name) or self._recurring_role(name)) and vouched and not clause and not (
                    self._runs_on(index) and not labels.is_caps_name(name)):
                self._open(labels.turn_kind(name), name, role)
                return index + 1
        if index in self.chapter_lines:
            self._add_text(line.start, line.end)  # `Introduction: What is Psychology?  00:00`: a chapter, no label
            return index + 1
        if self._inline_turn(line) or self._asked_turn(line) or self._convention_turn(index, line):
            return index + 1
        if not self.body_started and self.title is None and boilerplate.is_title_like(line.text):
            self.title = boilerplate.clean_title(line.text)
            self.front_matter.append(line.text)
            self._add_header(line.start, line.end)
            return index + 1
        if self.chevron_changes and _CHEVRON.match(self.text, self.text.rfind("\n", 0, line.start) + 1):
            self._open(TurnKind.NARRATION, None, None)  # `>> We have breaking news.`: someone else, unnamed
        self._add_text(line.start, line.end)
        return index + 1

    def _answers_are(self, witness: Speaker) -> None:
        """A deposition's `A.` answers are the witness's, whom its colloquy labels `THE WITNESS:`."""
        self.speakers.pop(speaker_key(_ANSWER))
        self.turns = [msgspec.structs.replace(turn, speaker=witness.name, role=witness.role)
                      if turn.speaker == _ANSWER else turn for turn in self.turns]

    def _read_translated_marks(self) -> set[str]:
        """A translated talk's question and answer marks (Chinese `问：`/`答：`, Spanish `P:`/`R:`),
        where they are the only labels: the questions are questions, the answers `A`'s, as `Q:` and
        `A:` are in the English text, so that the talk and its answers go to the one listed speaker."""
        marks = {turn.speaker for turn in self.turns} - {None}
        if not marks or not marks <= labels.QUESTION_MARKS | labels.ANSWER_MARKS:
            return set()
        if not marks & labels.ANSWER_MARKS - {_ANSWER}:
            return set()  # nothing translated: `Q`/`A` (and `问` alone) are read as they were
        for mark in marks & labels.ANSWER_MARKS:
            self.speakers.pop(speaker_key(mark), None)
        self.turns = [
            msgspec.structs.replace(turn, speaker=_ANSWER, kind=TurnKind.SPEECH) if turn.speaker in labels.ANSWER_MARKS
            else msgspec.structs.replace(turn, kind=TurnKind.QUESTION) if turn.speaker in labels.QUESTION_MARKS
            else turn
            for turn in self.turns
        ]
        return marks & labels.QUESTION_MARKS

    def _attribute_to(self, name: str) -> None:
        """A talk whose front matter names its one speaker, with no labels but the `Q`/`A` of its
        questions from the floor: the narration and the answers are the speaker's."""
        self.speakers.pop(speaker_key(_ANSWER), None)
        self._register(name, None)
        self.turns = [
            msgspec.structs.replace(turn, kind=TurnKind.SPEECH, speaker=name)
            if turn.kind is TurnKind.NARRATION or turn.speaker == _ANSWER else turn
            for turn in self.turns
        ]

    # -- header blocks: rosters and metadata ----------------------------------------------
    def _header_fields(self) -> set[int]:
        """The `Speaker:` / `Title:` / `Date:` lines opening the file (`# Speaker: Sir Ken Robinson`,
        `# Title: Do Schools Kill Creativity?`, as TED transcripts are kept): metadata, read as front
        matter is. Taken where a heading holds such a field or two or more fields open the file, so
        that a transcript opening `Speaker: Thank you, members.` keeps its label."""
        fields = []
        for index, line in enumerate(self.lines):
            match = _HEADER_FIELD.match(line.text)
            if match is None or (match["key"].lower() in _FIELD_NAMES and not (
                    _FIELD_VALUE.match(match["value"])
                    and all(labels.is_name_like(name) for name in _NAMES_APART.split(match["value"].strip()) if name))):
                break
            fields.append((index, match["key"].lower(), match["value"].strip()))
        if not fields or not (len(fields) >= 2 or self.lines[0].heading):
            return set()
        if not any(key in ("title", *_FIELD_NAMES) for _, key, _ in fields):
            return set()
        for _, key, value in fields:
            if key == "title":
                self.title = self.title or value
            elif key in _FIELD_NAMES and not self.listed_speakers:
                self.listed_speakers = tuple(name for name in _NAMES_APART.split(value) if name)
            elif key == "date" and self.date is None:
                self.date = boilerplate.find_full_date(value)
        return {index for index, _, _ in fields}

    def _cjk_header_fields(self) -> set[int]:
        """The `主题：` / `时间：` / `地点：` / `主持人：` lines opening a Chinese or Japanese transcript
        (after a heading or title line at most): metadata, not anyone's words. Taken where such lines
        open the body one after another and one of them names a topic, a date or a place, which no
        speaker label does; a host's or guest's field (`主持人：张三`) counts among them only with names
        after it, not a sentence (`主持人：各位好。` is the host speaking). A topic gives the title where
        the file has none (else the line above the fields does); a time, the date."""
        if not self.lines:
            return set()
        opening = self.lines[0]
        field = _CJK_FIELD.match(opening.text)
        # A heading (`# 人民网访谈：温宪`) or a short line with no colon (`会议纪要`) above the fields: the title.
        titled = (opening.heading and (field is None or field["key"] not in labels.CJK_HEADER_KEYS)) or (
            field is None and _CJK_TITLE.match(opening.text) is not None)
        first = int(titled)
        fields: list[tuple[int, str, str]] = []
        for index in range(first, len(self.lines)):
            match = _CJK_FIELD.match(self.lines[index].text)
            kind = labels.CJK_HEADER_KEYS.get(match["key"]) if match else None
            if match is None or kind is None:
                break
            value = match["value"].strip()
            if kind == "people" and (len(value) > _MAX_CJK_NAMES or _CJK_SENTENCE.search(value)):
                break
            fields.append((index, kind, value))
        if not any(kind in ("title", "date", "other") for _, kind, _ in fields):
            return set()
        for _, kind, value in fields:
            if kind == "title" and self.title is None:
                self.title = value
            elif kind == "date" and self.date is None:
                self.date = boilerplate.find_full_date(value)
        if first:
            self.title = self.title or self.lines[0].text
        return set(range(first)) | {index for index, _, _ in fields}

    def _introducer(self) -> tuple[int, str] | None:
        """The line and label of an introducer in a talk whose front matter names its one speaker:
        initials used once, on one of the body's first lines, before any other label (`CL: Thank you
        Elizabeth ... Next we have Will O'Beirne ...`, then the talk, unlabelled), not the speaker's own.
        The introducer says that paragraph; the talk is the speaker's. Lines that are no one's words
        (a link, `Location: ...`, a header field) are passed over."""
        if len(self.listed_speakers) != 1:
            return None
        found: list[tuple[int, int, str]] = []  # (how many lines of words before it, index, label)
        words = 0
        for index, line in enumerate(self.lines):
            if index in self.header_fields or boilerplate.is_clutter(line.text):
                continue
            match = None if line.heading else labels.opening_label(line.text)
            label = match["label"] if match is not None and labels.is_bare_label(match["label"]) else None
            if label is not None and " ".join(label.lower().split()) in _NO_ONES_LABELS:
                continue
            if label is not None:
                found.append((words, index, label))
            words += 1
        if not found or found[0][0] >= _INTRODUCER_LINES:
            return None
        _, index, label = found[0]
        if not _INTRODUCER_LABEL.match(label) or label == _initials(self.listed_speakers[0]) or (
                sum(other == label for _, _, other in found) > 1):
            return None
        return index, label

    def _header_block(self, index: int, label: str) -> int:
        """Consume `Speakers:` / `Date:` blocks; returns how many lines were used (0: not a header)."""
        key = " ".join(label.lower().split())
        if key in labels.SECTION_HEADINGS:
            self._add_header(self.lines[index].start, self.lines[index].end)
            return 1
        following = self.lines[index + 1 : index + 40]
        if key in labels.METADATA_LABELS:
            value = following[0].text if following else ""
            has_value = bool(value and len(value.split()) <= 12 and not labels.alone_label(value))
            if key == "date" and has_value:
                self.date = self.date or boilerplate.find_full_date(value)
                self.front_matter.append(value)
            self._add_header(self.lines[index].start, following[0].end if has_value else self.lines[index].end)
            return 1 + has_value
        if key not in labels.ROSTER_LABELS:
            return 0
        entries = []
        for candidate in following:
            entry = labels.ROSTER_ENTRY.match(candidate.text)
            if not entry or not labels.is_person_like(entry.group("name")) or candidate.text.endswith((".", "?", "!")):
                break
            entries.append(entry)
        if not entries:
            return 1 if key in labels.LIST_HEADINGS else 0
        for entry in entries:
            self._register(entry.group("name").strip(), entry.group("role").strip())
        self._add_header(self.lines[index].start, following[len(entries) - 1].end)
        return 1 + len(entries)

    # -- turn openers ---------------------------------------------------------------------
    def _inline_turn(self, line: _Line) -> bool:
        match = None if line.heading else labels.inline_label(line.text)
        if not match:
            return False
        name, role = labels.split_name_role(match.group("label"))
        numbered = labels.QUESTION_NUMBER.match(name)
        if numbered and speaker_key(name[numbered.end() :]) in self.vouched:
            name = name[numbered.end() :]  # `1. Mr David Hanson (Delyn) (Lab):` asks Hansard's oral question 1
        rest = line.text[match.end() :]
        quoted = rest[0] in _OPEN_QUOTES
        key = " ".join(name.lower().split())
        if key in labels.LIST_HEADINGS or key in labels.METADATA_LABELS:
            # "PRESIDING: Senator Malcolm A. Smith", "DATE: 16 September 2014": a header, not a turn.
            if key == "date":
                self.date = self.date or boilerplate.find_full_date(rest)
            self._add_header(line.start, line.end)
            return True
        speaker = speaker_key(name)
        if key in labels.EDITORIAL_LABELS and not (speaker in self.speakers or speaker in self.vouched
                                                   or speaker in self.recurring_labels):
            # "Note: the meeting ended at ten." among labelled turns is the editor's, not a speaker's.
            self._open(TurnKind.NARRATION, None, None)
            self._add_text(line.start, line.end)
            return True
        if not (labels.is_name_like(name) or self._recurring_role(name) or speaker in self.vouched):
            return False
        comma = not labels.is_bare_label(match.group("label"))
        # Unquoted, "Mr. Chair, I want to be clear: ..." is a sentence, not a label with a role.
        if comma and not (labels.is_comma_role(name, role or "")
                          and (quoted or self._comma_label_vouched(line, match, name, role or ""))):
            return False
        known = speaker in self.speakers or speaker in self.vouched
        recurring = speaker in self.recurring_labels
        if labels.is_caseless_name(name) or labels.is_tight(match):
            # Nothing but use tells `記者：` or `B:Das` from a sentence's first words and colon.
            vouched = known or recurring or labels.is_caps_name(name)
        else:
            vouched = (quoted or known or recurring or labels.is_caps_name(name) or self.labels_are_the_convention
                       or comma)
        if not vouched:
            return False
        self._open(labels.turn_kind(name), name, role, quoted=quoted)
        self._add_text(line.start + match.end(), line.end)
        return True

    def _chapter_lines(self) -> set[int]:
        """The lines of a video's chapter list (`Introduction: What is Psychology?  00:00`, then
        `Early Thinkers in Psychology 0:46`): a few words each, ending in the time the chapter starts
        at, two or more lines in a row, the first at 0:00 and the times going up, as YouTube has
        them. Not labels: a chat's "Bob: at 10:30" is not at 0:00."""
        found: set[int] = set()
        run: list[tuple[int, float]] = []
        for index, line in enumerate([*self.lines, None]):
            chapter = _CHAPTER.match(line.text) if line is not None else None
            if chapter is not None:
                run.append((index, seconds(chapter["time"], self.doc_id)))
                continue
            times = [time for _, time in run]
            if len(run) >= 2 and times[0] == 0 and times == sorted(times):
                found.update(i for i, _ in run)
            run = []
        return found

    def _segment_marker(self, line: _Line) -> bool:
        """A show's part set as a label (`**Break:**`, `**Jingle**: \\[51:13\\]`, `Old Changelog Intro:`):
        narration, as `[Music]` is, and no speaker. The part's name is a narration turn of its own, its
        bold and colon left out as a speaker label's are (the span `Jingle`, not `Jingle**:`); what the
        line says after the label (a time, `[music]`) is the next."""
        match = None if line.heading else labels.opening_label(line.text)
        if match is None or not labels.is_segment_marker(match.group("label")):
            return False
        self._open(TurnKind.NARRATION, None, None)
        self._add_text(line.start, line.start + len(match.group("label")))
        if match.re is labels.INLINE_LABEL:
            self._open(TurnKind.NARRATION, None, None)
            self._add_text(line.start + match.end(), line.end)
        return True

    def _comma_label_vouched(self, line: _Line, match: re.Match[str], name: str, role: str) -> bool:
        """Whether an unquoted `Name, Role:` opening a line is a label (`**Mireille B. Reece, Psy.D:**
        words`, NPR's `JANE ROE, BYLINE: words`): the same label recurs in the file; or its role is a
        title (capitalised words, a credential) and the name is a speaker already known or listed,
        the label is in capitals or in bold, or labels are the file's convention. A vocative with
        a clause after it ("Alice, one more thing: ...") is none of these."""
        if _comma_key(match.group("label")) in self.recurring_comma_labels:
            return True
        if not labels.is_title_role(role):
            return False
        speaker = speaker_key(name)
        return (speaker in self.speakers or speaker in self.vouched or speaker in self.listed
                or (labels.is_caps_name(name) and labels.is_caps_name(role)) or self._bold_label(line, match)
                or self.labels_are_the_convention)

    def _bold_label(self, line: _Line, match: re.Match[str]) -> bool:
        """Whether a label is set in bold in the file (`**Name, Role:**` or `**Name, Role**:`)."""
        raw = self.text[max(0, line.start - 2) : line.start + match.end()]
        return raw.startswith("**") and "**" in raw[2:]

    def _asked_turn(self, line: _Line) -> bool:
        match = labels.ASKED.match(line.text)
        if not match or not labels.is_asker(match.group("label")):
            return False
        self._open(TurnKind.QUESTION, match.group("label"), None)
        self._add_text(line.start + match.end(), line.end)
        return True

    def _convention_turn(self, index: int, line: _Line) -> bool:
        """`Q ` questions and `A.` answers, `Senator Smith.` and `I – ` labels: the turn starts after the mark."""
        if (mark := labels.QUESTION_PARAGRAPH.match(line.text)) is not None:
            self._open(TurnKind.QUESTION, None, None)
        elif self.marked_answers and (mark := labels.ANSWER_PARAGRAPH.match(line.text)) is not None:
            self._open(TurnKind.SPEECH, _ANSWER, None)
        elif (mark := labels.HEARING_LABEL.match(line.text)) is not None and (
            labels.is_shouted(label := " ".join(mark["label"].split()))
            or ((speaker_key(label) in self.hearing_labels or self.hearing_convention) and not self._runs_on(index))
        ):
            self._open(labels.turn_kind(label), label, None)
        elif ((mark := labels.DASH_LABEL.match(line.text)) is not None
              and speaker_key(mark["label"]) in self.dash_labels):
            self._open(labels.turn_kind(mark["label"]), mark["label"], None)
        else:
            return False
        assert mark is not None
        self._add_text(line.start + mark.end(), line.end)
        return True

    def _wrapped_label(self, index: int) -> int:
        """A capitals label wrapped over lines, as hearing transcripts write a member's title
        ("ASSEMBLY MEMBER AMY PAULIN, CHAIR, / ASSEMBLY STANDING COMMITTEE ON CORPORATIONS, /
        AUTHORITIES AND COMMISSIONS:  Welcome everyone."): the name is the first line's, up to its
        comma; the rest is the role. Opens the turn and returns the lines used (0: no such label)."""
        first = self.lines[index].text
        # A name, a comma, a role that goes on below: "SENATOR TIM KENNEDY, CHAIR, SENATE".
        if "," not in first or ":" in first or not _all_capitals(first):
            return 0
        for end in range(index + 1, min(index + 1 + _MAX_LABEL_LINES, len(self.lines))):
            line = self.lines[end]
            if self._opens_paragraph(end) or not _all_capitals(line.text.split(":", 1)[0]):
                return 0
            if ":" not in line.text:
                continue
            match = labels.opening_label(line.text)
            if match is None:
                return 0
            label = " ".join([*(self.lines[i].text for i in range(index, end)), match.group("label")])
            name, _, role = label.partition(",")
            role_text = " ".join(role.split()).strip(", ") or None
            self._open(labels.turn_kind(name.strip()), " ".join(name.split()), role_text)
            if match.re is labels.INLINE_LABEL:
                self._add_text(line.start + match.end(), line.end)
            return end - index + 1
        return 0

    def _runs_on(self, index: int) -> bool:
        """Whether line `index` goes on from the line above it: no blank line between them, and
        that line ends no sentence. A hard-wrapped line that happens to open with "Mrs. St. John,"
        or "Brazil," is the middle of a sentence, not a speaker's label."""
        if index == 0 or self._opens_paragraph(index):
            return False
        return not _SENTENCE_CLOSE.search(self.lines[index - 1].text)

    def _reported_turn(self, line: _Line, index: int) -> bool:
        match = labels.REPORTED.match(line.text)
        if not match or not labels.is_person_like(match.group("name")):
            return False
        if match.group("role") and not labels.is_comma_role(match.group("name"), match.group("role")):
            # "Mr. Chair, I want to thank our forces. They did their duty, noted down ...": a minister
            # addressing the chair, not the chair's reported words.
            return False
        if line.text[match.end() :].strip() in (":", "：") and self._introduces_a_quote(index):
            # "Lea Verou says:" above a block quote, in a host's turn: the host reads her words out.
            return False
        self._open(TurnKind.SPEECH, match.group("name"), match.group("role"))
        self._add_text(line.start, line.end)
        # "... focused on three aspects:" introduces paragraphs that are still this speaker's.
        self.current.accepts_more = line.text.endswith((":", "："))  # type: ignore[union-attr]
        return True

    def _introduces_a_quote(self, index: int) -> bool:
        """Whether a line that names someone and says they say (`Lea Verou says:`) stands in a
        speaker's turn or above a Markdown block quote: then it introduces a quote, read out by whoever
        is speaking; it opens no turn."""
        if self.current is not None and self.current.speaker is not None and self.current.kind is TurnKind.SPEECH:
            return True
        if index + 1 >= len(self.lines):
            return False
        following = self.lines[index + 1]
        return self.text[self.text.rfind("\n", 0, following.start) + 1 : following.start].lstrip().startswith(">")

    # -- turn bookkeeping -----------------------------------------------------------------
    def _register(self, name: str, role: str | None) -> Speaker:
        key = speaker_key(name)
        known = self.speakers.get(key) or self._by_surname(key) or self._by_initials(name)
        if known is None and role and _INITIALISM.match(role):
            # `Peter McCormack (PM):` names the label used after it (`PM:`); initials are no role.
            self.abbreviations.setdefault(role, []).append(key)
            role = None if role == _initials(name) else role
        if known is None or (role and not known.role):
            known = Speaker(name=known.name if known else name, role=role or (known.role if known else None))
            self.speakers[key] = known
        return known

    def _by_initials(self, label: str) -> Speaker | None:
        """The one speaker so far whom an initialism label stands for: the abbreviation their first
        label gave in parentheses (`Peter McCormack (PM):`, then `PM:`), else their initials."""
        if not _INITIALISM.match(label):
            return None
        keys = self.abbreviations.get(label) or [
            key for key, known in self.speakers.items() if len(label) >= 2 and _initials(known.name) == label]
        return self.speakers.get(keys[0]) if len(set(keys)) == 1 else None

    def _by_surname(self, key: str) -> Speaker | None:
        """The one speaker so far whose full name ends with `key`, a surname alone: broadcast
        transcripts name a speaker in full once (`STEVE INSKEEP, HOST:`), then by surname (`INSKEEP:`)."""
        if " " in key or len(key) < _MIN_SURNAME or not key.isalpha():
            return None
        matches = [known for full, known in self.speakers.items()
                   if " " in full and full.rsplit(" ", 1)[1] == key and labels.is_person_like(known.name)]
        return matches[0] if len(matches) == 1 else None  # "The Chair" is no one's surname "Chair"

    def _open(self, kind: TurnKind, name: str | None, role: str | None, quoted: bool = False) -> None:
        self._close()
        self.body_started = True
        speaker = self._register(name, role) if name else None
        self.current = _OpenTurn(
            kind=kind,
            speaker=speaker.name if speaker else None,
            role=speaker.role if speaker else None,
            quoted=quoted,
        )

    def _add_text(self, start: int, end: int) -> None:
        self.body_started = True
        if self.current is None or not self.current.accepts_more or self.current.kind is TurnKind.HEADER or (
                self.current.one_paragraph and self.current.spans
                and self.text.count("\n", self.current.spans[-1][1], start) >= 2):
            self._open(TurnKind.NARRATION, None, None)
        turn = self.current
        assert turn is not None
        turn.spans.append((start, end))
        if turn.quoted and self.text[end - 1] in _CLOSE_QUOTES and (len(turn.spans) > 1 or end - start > 1):
            turn.accepts_more = False

    def _add_header(self, start: int, end: int) -> None:
        """Headline, speakers list and date block: indexed (they answer "when" and "who"),
        but they do not start the body, so title and date detection go on."""
        if self.current is None or self.current.kind is not TurnKind.HEADER:
            self._close()
            self.current = _OpenTurn(kind=TurnKind.HEADER, speaker=None, role=None)
        self.current.spans.append((start, end))

    def _close(self) -> None:
        turn, self.current = self.current, None
        if turn is None or not turn.spans:
            return
        start, end = turn.spans[0][0], turn.spans[-1][1]
        if turn.quoted:
            start, end = self._strip_quotes(start, end)
        if start < end:
            self.turns.append(
                Turn(
                    index=len(self.turns), kind=turn.kind, speaker=turn.speaker,
                    role=turn.role, start=start, end=end,
                )
            )

    def _strip_quotes(self, start: int, end: int) -> tuple[int, int]:
        if self.text[start] in _OPEN_QUOTES and self.text[end - 1] in _CLOSE_QUOTES and end - start >= 2:
            return trimmed_span(self.text, start + 1, end - 1)
        return start, end

    # -- document-level facts -------------------------------------------------------------
    def _recurring_inline_labels(self) -> set[str]:
        """Names used as `Name: text` on two or more lines: a consistent inline-label format.
        A sentence-case role (`Harbour master:`) or a name in a script without capitals (`記者：`)
        counts on a line of its own as well."""
        counts: dict[str, int] = {}
        for line in self.lines:
            match = labels.opening_label(line.text)
            if match and labels.is_bare_label(match.group("label")):
                name, _ = labels.split_name_role(match.group("label"))
                inline = match.re is labels.INLINE_LABEL
                if (inline and labels.is_name_like(name)) or labels.is_role_like(name) or labels.is_caseless_name(name):
                    counts[speaker_key(name)] = counts.get(speaker_key(name), 0) + 1
        return {name for name, count in counts.items() if count >= 2}

    def _recurring_comma_labels(self) -> set[str]:
        """`Name, Role:` labels opening two or more lines with words after them: the same label
        again and again is a convention (`**Mireille B. Reece, Psy.D:** ...`), no sentence's opening."""
        counts = Counter(
            _comma_key(match.group("label")) for line in self.lines
            if not line.heading and (match := labels.inline_label(line.text)) is not None
            and not labels.is_bare_label(match.group("label"))
        )
        return {key for key, count in counts.items() if count >= 2}

    def _labels_are_the_convention(self) -> bool:
        """Whether the file is written as `Name: words` paragraphs, so that a label used once (a
        guest who speaks once) is a speaker as surely as one that recurs: every line but a first
        (title) line opens with a bare label, two or more of them ("Moderator: ... / Spokesperson:
        ..."); or some label recurs and labels open at least 60% of the paragraphs, three or more
        (an introduction, a `[Music]` line or a note may stand between them)."""
        opens = self._opens_with_a_label
        body = self.lines[1:] if self.lines and not opens(self.lines[0]) else self.lines
        if len(body) >= 2 and all(opens(line) for line in body):
            return True
        openers = [line for i, line in enumerate(self.lines) if self._opens_paragraph(i)]
        if len(openers) < _MIN_LABELLED_PARAGRAPHS:
            openers = self.lines  # one paragraph, or none apart: each line stands for itself
        labelled = sum(opens(line) for line in openers)
        return bool(self.recurring_labels or self.recurring_comma_labels) and labelled >= _MIN_LABELLED_PARAGRAPHS and (
            labelled >= _LABELLED_SHARE * len(openers))

    def _opens_with_a_label(self, line: _Line) -> bool:
        """A bare `Name: ` label (`_opens_with_speaker_label`), or a `Name, Role:` the file repeats."""
        if _opens_with_speaker_label(line):
            return True
        match = None if line.heading or not self.recurring_comma_labels else labels.inline_label(line.text)
        return match is not None and _comma_key(match.group("label")) in self.recurring_comma_labels

    def _speaker_headings(self) -> set[int]:
        """Lines that are a name alone right above a paragraph's words (`Alice Wong`, then what she
        said; `MAYOR CHEN` in a script), where the file heads its paragraphs so: two or more such
        lines, some name among them coming back. Then each of them is a speaker label."""
        headings = [i for i in range(len(self.lines) - 1) if self._heads_paragraph(i)]
        keys = [speaker_key(_heading_name_role(self.lines[i].text)[0]) for i in headings]
        if len(keys) < 2 or len(set(keys)) == len(keys):
            return set()
        # A convention heads a good share of the paragraphs: a recurring "Yeah" said on its own
        # between labelled turns does not.
        paragraphs = sum(self._opens_paragraph(i) for i in range(len(self.lines)))
        return set(headings) if len(headings) >= _MIN_HEADED_SHARE * paragraphs else set()

    def _opens_paragraph(self, index: int) -> bool:
        return index == 0 or self.text.count("\n", self.lines[index - 1].end, self.lines[index].start) >= 2

    def _heads_paragraph(self, index: int) -> bool:
        line, below = self.lines[index], self.lines[index + 1]
        # A Markdown heading (`## Details`) names a section, not a speaker.
        if line.heading or not self._names_a_heading(line.text):  # most lines are sentences, and fail at once
            return False
        # Its own paragraph's first line; the words follow on the next line or, as a web page's
        # blocks do, in the next paragraph.
        return (self._opens_paragraph(index) and not self._names_a_heading(below.text)
                and not labels.alone_label(below.text) and any(c.isalpha() for c in below.text))

    @staticmethod
    def _names_a_heading(text: str) -> bool:
        """A few capitalised words, no sentence: what a name alone on a line looks like; with its
        role after a dash (`Tim Cook -- Chief Executive Officer`, as earnings call transcripts head
        each turn)."""
        name = _heading_name_role(text)[0]
        return (len(name) <= 60 and not text.endswith((".", "?", "!", ":", ",", ";")) and len(name.split()) <= 4
                and labels.is_name_like(name))

    def _known_or_recurring(self, name: str) -> bool:
        return speaker_key(name) in self.speakers or speaker_key(name) in self.recurring_labels

    def _recurring_role(self, name: str) -> bool:
        """A sentence-case role label that the document uses on two or more lines."""
        return labels.is_role_like(name) and speaker_key(name) in self.recurring_labels

    def _recurring_dash_labels(self) -> set[str]:
        """`I – words` labels, where two or more names each open two or more lines so, and such
        lines are half the file's: an interview's convention. "Yes - ..." is no label (no name
        says yes), nor is a stammer in a meeting's transcript (`Mm - hmm .`, `Pe - people`)."""
        found = [labels.DASH_LABEL.match(line.text) for line in self.lines]
        names = [match["label"] for match in found if match and labels.is_name_like(match["label"])]
        counts = Counter(speaker_key(name) for name in names)
        recurring = {key for key, count in counts.items() if count >= 2}
        labelled = sum(counts[key] for key in recurring)
        return recurring if len(recurring) >= 2 and labelled >= _DASH_LABELLED_SHARE * len(self.lines) else set()

    def _recurring_hearing_labels(self) -> tuple[set[str], bool]:
        """`Senator Smith.` labels used on two or more lines: a hearing's consistent format; and
        whether that format is the file's (such labels on three or more lines, some recurring), so
        that a member heard once (`Ms. Waters.`: an opening statement, one round of questions) is a
        speaker too."""
        found = (labels.hearing_label(line.text) for line in self.lines)
        counts = Counter(speaker_key(label) for label in found if label)
        recurring = {key for key, count in counts.items() if count >= 2}
        return recurring, bool(recurring) and sum(counts.values()) >= _MIN_HEARING_LABELS

    def _document_date(self) -> tuple[str | None, str | None]:
        """(ISO date, date as written): a `Date:` block, else the page head, else a yearless date.
        The head is the title and header lines, and of the body's first turn its first line or two
        where they read as a dateline (`WASHINGTON, March 3, 2021 — ...`, a short line): a talk that
        tells of "the morning of December 10, 1996" is not dated by it."""
        first_body = next((t for t in self.turns if t.kind is not TurnKind.HEADER), None)
        opening = self.text[first_body.start : first_body.end] if first_body else ""
        datelines = [line for line in opening.split("\n") if line.strip()][:_DATELINE_LINES]
        head = "\n".join(self.front_matter + [line for line in datelines if _is_dateline(line)])
        full = self.date or boilerplate.find_full_date(head)
        if full:
            return full
        # A month and day with no year, as a press release's first sentences give it ("On the morning
        # of September 8, the Information Office held ..."): the opening of the body, not a long talk.
        openings = (line[:_PARTIAL_REACH] for line in datelines)
        return None, boilerplate.find_partial_date("\n".join([*self.front_matter, *openings]))


# A chapter of a video's description: a few words, then the time it starts at.
_CHAPTER = re.compile(r"^(?:\S+\s+){0,10}?\S+\s+\(?(?P<time>(?:\d{1,2}:)?\d{1,2}:\d{2})\)?$")


# Metadata lines opening a file (`# Speaker: Sir Ken Robinson`, `Title: ...`, `Source: https://...`).
_HEADER_FIELD = re.compile(
    r"^(?P<key>Speakers?|Title|Date|Source|URL|Link|Event|Venue|Location|Recorded|Published|Language|Duration)"
    r"\s*:\s+(?P<value>\S.{0,300})$", re.IGNORECASE)
_FIELD_NAMES = ("speaker", "speakers")
# A speaker field holds names: a few capitalised words each, set apart by commas, "and" or "&".
_FIELD_VALUE = re.compile(r"^[^\W\d_][\w .'’\-]{0,80}(?:(?:,|\s+and\s+|\s*&\s*)\s*[^\W\d_][\w .'’\-]{0,80}){0,5}$")
_NAMES_APART = re.compile(r"\s*(?:,|\band\b|&)\s*")


# A dateline: one of the body's first lines, short, or with its date opening or closing it.
_DATELINE_LINES = 2
_DATELINE_WORDS = 15
_PARTIAL_REACH = 500
_DATELINE_PLACE_WORDS = 4
_DATELINE_TAIL = re.compile(r"^[\s.,;:)\]\-–—|]*$")


def _is_dateline(line: str) -> bool:
    """Whether a line opening the body may date the file: a short line (`Press briefing, March 3,
    2021`), or one whose date opens it, after a place at most (`WASHINGTON, March 3, 2021 — ...`),
    or closes it (a page's publication date after its summary); not a date told in a talk's sentences."""
    if len(line.split()) <= _DATELINE_WORDS:
        return True
    found = boilerplate.find_full_date(line)
    if found is None:
        return False
    at = line.find(found[1])
    if at < 0:
        return False
    before = line[:at].split()
    # A place before the date, no sentence ("On the morning of December 10, 1996, I woke up").
    opens = len(before) <= _DATELINE_PLACE_WORDS and not any(word[:1].islower() for word in before)
    return opens or bool(_DATELINE_TAIL.match(line[at + len(found[1]) :]))


# A label that abbreviates a name: a few capitals (`PM`, `AB`, `M`).
_INITIALISM = re.compile(r"^[A-Z]{1,4}$")
# An introducer's initials (`CL`), two letters or more: `Q` and `A` are a talk's questions and answers. Their
# label opens one of the body's first lines (after a title, a heading, a link).
_INTRODUCER_LABEL = re.compile(r"^[A-Z]{2,4}$")
_INTRODUCER_LINES = 4
# Labels that name no one (`Location:`, `Note:`, `Transcript:`): no introducer's, and none before one.
_NO_ONES_LABELS = labels.METADATA_LABELS | labels.EDITORIAL_LABELS | labels.SECTION_HEADINGS | labels.LIST_HEADINGS

# A header field of a Chinese or Japanese transcript (`主题：...`, `- **日時**: ...`; `labels.CJK_HEADER_KEYS`).
_CJK_FIELD = re.compile(r"^(?:[-*+•・][ \t]+)?(?P<key>[^\W\d_]{1,6}?)[ \t]*[:：][ \t]*(?P<value>\S.{0,300})$")
# Names after a host's or guest's field, not a sentence: short, no sentence's end.
_MAX_CJK_NAMES = 60
# A title above the fields (`会议纪要`, `人民网访谈：温宪`): a short line, no sentence.
_CJK_TITLE = re.compile(r"^[^。！？!?]{1,60}$")
_CJK_SENTENCE = re.compile(r"[。！？!?]")


def _initials(name: str) -> str:
    """The initials of a name (`Peter McCormack`: `PM`; `Murch`: `M`), honorifics aside."""
    return "".join(word[0] for word in speaker_key(name).split() if word[:1].isalpha()).upper()


def _comma_key(label: str) -> str:
    """A `Name, Role` label as a key: its words, case and spacing aside."""
    return " ".join(label.lower().split())


def _all_capitals(text: str) -> bool:
    letters = 0
    for char in text:  # a loop that stops at the first small letter: most lines have one at once
        if char.isalpha():
            if not char.isupper():
                return False
            letters += 1
    return letters >= 2
