"""What WebVTT and SRT share: cue timings, markup in cue text, and speaker marks at a cue's start."""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from rag.errors import CorpusError
from rag.ingest.labels import (
    is_bare_label,
    is_caseless_name,
    is_comma_role,
    is_name_like,
    is_person_like,
    split_name_role,
)
from rag.ingest.timed import Piece

# Lenient on purpose: Teams writes `0:0:0.210`, SRT uses a comma, some tools drop the hours.
_TIMESTAMP = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
TIMING = re.compile(rf"^\s*(?P<start>{_TIMESTAMP})\s*-->\s*(?P<end>{_TIMESTAMP})(?P<settings>.*)$")
# A time before the recording's start, as subtitle-shifting tools leave it (`-00:00:01,000`).
_NEGATIVE = re.compile(rf"(?<![\w:.])-(?P<stamp>{_TIMESTAMP})")
# A line meant as a cue timing: a time and an arrow, mistyped or not (`->`, `—>`), or an arrow and
# a time. Read as words, it would put the cue's number and times among the words and join two cues.
TIMING_LIKE = re.compile(rf"^\s*-?{_TIMESTAMP}\s*[-–—=]+>|-->\s*-?{_TIMESTAMP}")
_EXAMPLE = "00:00:01.000 --> 00:00:04.000"
# Markup in cue text: element tags (`<i>`, `</i>`, `<font color="x">`, `<v Name>`, `<c.yellow>`,
# `<lang en>`, `<ruby>`), WebVTT inline timestamps (`<00:00:05.000>`, karaoke `<05.000>`), and the
# override codes SubRip files carry over from ASS subtitles (`{\\an8}`: top of the screen). Only
# what is shaped so: SubRip has no escaping, and Whisper writes `<` and `>` as they are said, so
# `x < 5 and y > 3` and `a <- b` are words.
_TAG = re.compile(r"</?[^\W\d_][^<>]*>|<(?:\d+:)*\d+[.,]\d+>|\{\\[^}]*\}")
# A complete character reference (`&#39;`, `&#x27;`, `&amp;`): what is decoded where text may also
# hold a bare `&` (`AT&T`) that must stay.
CHARACTER_REFERENCE = r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
# A line break inside a caption (`<br>` in SubRip files, `<br/>` in TTML, `\N` in SubStation Alpha
# and in SubRip converted from it, `\h` its hard space) separates words.
_BREAK = re.compile(r"<br\s*/?>|\\[Nnh]", re.IGNORECASE)
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+(?P<name>[^>]+)>")
# `[Name]`, `[Name]:`, `(Name):` at the start of a cue: diarized SRT, some caption services.
_BRACKETED = re.compile(r"^\s*(?P<open>[\[(])(?P<name>[^\])\n]{1,60})[\])]\s*(?P<colon>:?)\s*")
_LINK = re.compile(r"^\s*\[[^\]\n]*\]\(")
_DIARIZATION_LABEL = re.compile(r"^(?:speaker|spk|spkr)[ _-]?\d+$", re.IGNORECASE)
# What captions for the deaf put in brackets: sounds, not speakers (`[Music]`, `(Rires)`).
_SOUNDS = frozenset(
    "music applause laughter laughs laughing laugh chuckles chuckling cheering cheers cheer crosstalk inaudible "
    "unintelligible indistinct silence noise sighs sigh coughs cough gasps groans intro outro foreign overlapping "
    "background static beep beeping ringing whistling singing screaming crying sniffles clears throat "
    "musique rires rire applaudissements risas música aplausos lachen musik applaus gelächter risate musica applausi "
    "risos".split()
)
# A dash right before a word opens each speaker's line in some subtitles (`-Ever-living God!`).
_TIGHT_DASH = re.compile(r"^\s*-(?=[^\W\d_]|[\"“‘(\[])")
# A line that ends a sentence: a label may follow it within a cue.
_SENTENCE_END = re.compile(r"[.?!…:;\"”’»)\]]\s*$")
# `Name: words` as Zoom writes it, `NAME:` after a `>>`, or `NAME:` on a line of its own above the
# words (broadcast captions).
_LABELLED = re.compile(r"^\s*(?P<name>[^:\n]{1,60}?)\s*:(?:\s+(?=\S)|\s*$)")
# `>>` (or `>>>`) marks a new speaker in broadcast captions; `- ` does in subtitles.
_CHANGE = re.compile(r"^\s*(?:>{2,}|-\s)\s*")
# Word-highlight captions (stable-ts) repeat a cue's words once per word, another word marked up
# each time; "No." twice is speech.
_MIN_REPEATED_WORDS = 3
# ... and their cues follow each other without a gap (stable-ts fills the silences between words
# with cues of their own); the same words again after a pause are said again. The slack covers
# SubStation Alpha's centiseconds.
_ABUTTING = 0.05
_DENSE_LABELS = 0.25
# A transcript's captions may label only the changes of speaker (`Travis: ...`, then the cues of
# his monologue unlabelled, then `Sarah: ...`), which puts labels on few lines. They carry over
# where the labels look so: three or more, two or more people's names that recur, each label
# naming another speaker than the one before (a slip allowed in ten), and next to no unnamed change
# of speaker (`- `, `>>`) after the first, so that the labels name (nearly) every line after it.
_MIN_CHANGE_LABELS = 3
_CHANGE_SLIPS = 0.1
_UNCOVERED = 0.1
# Subtitles' voices that name no one: `NARRATOR:`, `MAN:`, `WOMAN 2:`, `VOICE ON RADIO:`.
_VOICE_WORDS = frozenset(
    "narrator narrators man men woman women boy boys girl girls voice voices announcer crowd all both everyone "
    "together computer radio tv pa intercom chorus choir".split()
)
_WORDS = re.compile(r"[^\W\d_]")
# What `plain` rewrites starts with one of these: a tag or break (`<`, `\\N`, `{\\an8}`), an entity.
_MARKUP_CHARACTER = re.compile(r"[<\\{&]")
# Direction marks and a stray byte-order mark show nothing anywhere: they go.
_MARKS = "\u200e\u200f\ufeff"
# Zero-width and soft-hyphen characters show nothing; copied from web tools they stick to a word's
# edge (`\u200bJohn Roe:`), where they would hide a label. Inside a word they stay (Persian writes
# a zero-width non-joiner between a word's parts).
_FORMAT = "\u200b\u200c\u2060\u00ad"
_EDGE_FORMAT = re.compile(f"(?:(?<=\\s)|^)[{_FORMAT}]+|[{_FORMAT}]+(?=\\s|$)")
_INVISIBLE_CHARACTER = re.compile(f"[{_MARKS}{_FORMAT}]")
_DROP_MARKS = str.maketrans(dict.fromkeys(_MARKS))


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_OTHER_LINE_BREAK = re.compile("[\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
"""Where `str.splitlines` breaks a line besides CR and LF."""


class Line(NamedTuple):
    """A line of a caption file, with its place (characters) in the file and its number (from 1);
    the lines a tag runs across are one (`tags_joined`), numbered as the first.

    A named tuple: files have tens of thousands of lines, and a tuple is built four times faster
    than a frozen dataclass."""

    number: int
    start: int
    end: int
    text: str


def lines_of(text: str) -> list[Line]:
    """The file's lines (any newline convention: LF, CRLF or CR), each with its character range. A
    byte-order mark is not part of the first line's text, but counts in the ranges, as it does in the file."""
    found = []
    position = 0
    # WebVTT and SubRip end lines with CR and LF only. `str.splitlines` also breaks at form feeds,
    # U+2028 and other separators, which cut a tag such as `</c\u2028>` into words of two lines.
    raws = _LINE.findall(text) if _OTHER_LINE_BREAK.search(text) else text.splitlines(keepends=True)
    for number, raw in enumerate(raws, 1):
        content = raw.rstrip("\r\n")
        skipped = 1 if number == 1 and content.startswith("\ufeff") else 0
        found.append(Line(number, position + skipped, position + len(content), content[skipped:]))
        position += len(raw)
    return found


def seconds(stamp: str, where: str) -> float:
    """`01:02:03.450`, `2:03,4` or `0:0:0.210` as seconds."""
    parts = stamp.replace(",", ".").split(":")
    try:
        value = 0.0
        for part in parts:
            value = value * 60 + float(part)
    except ValueError:
        raise CorpusError(f"{where}: {stamp!r} is not a time like 00:01:02.345") from None
    return round(value, 3)


def timing(line: Line, doc_id: str, pattern: re.Pattern[str] = TIMING,
           example: str = _EXAMPLE) -> tuple[float, float] | None:
    """The (start, end) seconds of a cue timing line (`pattern` names its `start` and `end`), read
    as `cue_times` does; None when the line is not one. CorpusError names a line that was meant as
    one (it holds `-->`, or a time and an arrow) but is malformed."""
    match = pattern.match(line.text)
    if not match and "-" in line.text:
        match = pattern.match(_NEGATIVE.sub(lambda negative: re.sub(r"\d", "0", negative["stamp"]), line.text))
    if not match:
        if TIMING_LIKE.search(line.text):
            raise CorpusError(f"{doc_id}: line {line.number}: expected a cue timing like {example}, "
                              f"got {line.text[:80]!r}")
        return None
    return cue_times(match["start"], match["end"], f"{doc_id}: line {line.number}")


def cue_times(start: str, end: str, where: str) -> tuple[float, float]:
    """A cue's (start, end) seconds from its two times, leniently: a negative time (a file shifted
    earlier) is 0, and a cue that ends before it starts lasts no time, so that one slip in a long
    file does not set the whole file aside."""
    begins = 0.0 if start.lstrip().startswith("-") else seconds(start, where)
    ends = 0.0 if end.lstrip().startswith("-") else seconds(end, where)
    return begins, max(begins, ends)


def plain(text: str) -> str:
    """Cue text without markup: line breaks made spaces, tags (voice, class, timestamps) removed,
    entities decoded, direction marks and stray byte-order marks gone."""
    # Most lines hold no markup: a search is cheaper than the rewrites.
    if _MARKUP_CHARACTER.search(text):
        text = html.unescape(_TAG.sub("", _BREAK.sub(" ", text)))
    return _invisible(text)


def _invisible(text: str) -> str:
    # Most lines hold no invisible character: one search spares them the rewrites.
    if not _INVISIBLE_CHARACTER.search(text):
        return text
    return _EDGE_FORMAT.sub("", text.translate(_DROP_MARKS))


def _voice_name(match: re.Match[str]) -> str:
    return " ".join(html.unescape(match["name"]).split())


def voice_spans(payload: list[Line]) -> list[tuple[str | None, list[Line]]]:
    """A cue's lines (the file's own characters) split at its voice tags, each part with its voice:
    `- <v Roger>Hi, how are you?` / `- <v Bob>Fine, thanks.` is two speakers' words. A tag with
    nothing but markup or a dash before it on its line takes the whole line; words before the first
    tag are the first voice's. A cue with one voice (or none) is one part."""
    tags = [(line, match) for line in payload for match in _VOICE.finditer(_breaks_spaced(line.text))]
    if len(tags) < 2:
        return [(_voice_name(tags[0][1]) if tags else None, payload)]
    cuts = [_voice_start(line, match) for line, match in tags[1:]]
    bounds = [payload[0].start, *cuts, payload[-1].end]
    spans = []
    for (_, match), start, end in zip(tags, bounds, bounds[1:], strict=False):
        lines = [part for line in payload if (part := _within(line, start, end)) is not None]
        if lines:
            spans.append((_voice_name(match), lines))
    return spans


def _voice_start(line: Line, match: re.Match[str]) -> int:
    # Where a voice's words begin in the file: its line's start when only markup comes before it.
    before = line.text[: match.start()]
    return line.start + (match.start() if _WORDS.search(plain(before)) else 0)


def _within(line: Line, start: int, end: int) -> Line | None:
    """The part of `line` between file positions `start` and `end`, without the blanks at its
    ends; None when no character of it is there."""
    first, last = max(line.start, start), min(line.end, end)
    text = line.text[first - line.start : last - line.start]
    if not text.strip():
        return None
    first += len(text) - len(text.lstrip())
    return Line(line.number, first, first + len(text.strip()), text.strip())


def cue_lines(text: str) -> list[str]:
    """A cue line's text as the lines it shows: split at its line breaks (`<br/>`, `\\N`), markup gone."""
    return [" ".join(plain(part).split()) for part in _shown_apart(text)]


def _shown_apart(text: str) -> list[str]:
    """`text` split at its line breaks, except those inside a tag (`<v Ana<br/> Diaz>`), which `plain`
    reads as one tag with a space in it: cut there, the tag's two halves would be words."""
    breaks = list(_BREAK.finditer(text))
    if not breaks:
        return [text]
    tags = [tag.span() for tag in _TAG.finditer(_breaks_spaced(text))]
    parts, start = [], 0
    for found in breaks:
        if not any(first < found.start() < last for first, last in tags):
            parts.append(text[start : found.start()])
            start = found.end()
    return [*parts, text[start:]]


def _breaks_spaced(text: str) -> str:
    """`text` with each line break (`<br/>`, `\\N`) made as many spaces, as `plain` reads one inside a
    tag; the same length, so that an offset into it is one into `text`."""
    if not _BREAK.search(text):
        return text
    return _BREAK.sub(lambda found: " " * len(found.group()), text)


# A tag still open where its line ends (`<v Yuri Ba`), and a line whose first angle bracket closes one
# (`kulin>Hello`): a line break inside a tag, which WebVTT reads as a space in it.
_OPEN_AT_END = re.compile(r"</?[^\W\d_][^<>]*$")
_CLOSES_FIRST = re.compile(r"^[^<>]*>")
_MAX_TAG_LINES = 3


def tags_joined(payload: list[Line], text: str) -> list[Line]:
    """A cue's lines (`payload`, lines of `text`) with those that a tag runs across joined into one
    line of the file's characters (`<v Yuri Ba` and `kulin>Hello`, up to three lines): read line by
    line, each half of the tag would be words, and the voice would be lost. A `<br/>` inside the
    tag is a space in it, as `plain` reads it."""
    if len(payload) < 2:
        return payload
    views = [_breaks_spaced(line.text) for line in payload]
    if not any(_OPEN_AT_END.search(view) for view in views[:-1]):
        return payload  # nearly every cue
    joined: list[Line] = []
    index = 0
    while index < len(payload):
        line, view = payload[index], views[index]
        index += 1
        while index < len(payload) and _OPEN_AT_END.search(view):
            # The next line with an angle bracket closes the tag if its first bracket is a `>`.
            closing = next((k for k in range(index, min(len(payload), index + _MAX_TAG_LINES - 1))
                            if "<" in views[k] or ">" in views[k]), None)
            if closing is None or not _CLOSES_FIRST.match(views[closing]):
                break
            line = Line(line.number, line.start, payload[closing].end, text[line.start : payload[closing].end])
            view = _breaks_spaced(line.text)
            index = closing + 1
        joined.append(line)
    return joined


@dataclass(frozen=True)
class Marked:
    """A cue line with its speaker mark taken off."""

    text: str
    speaker: str | None
    new_turn: bool
    labelled: bool = False
    """The speaker is a `Name:` label in the text (not a bracketed name, a `>>` or a dash)."""


def speaker_mark(line: str) -> Marked:
    """Split a speaker mark off the start of a cue line: `[Name]:`, `[SPEAKER_01]`, `[Ana Diaz] words`,
    `Name: `, `>> NAME:`, `- `. A bracket that holds a sound (`[Music]`, `(GAGGING)`) is no speaker:
    a parenthesis names one only before a colon, and a bracket only with a diarization label, a
    colon, or a person's name followed by words."""
    change = _CHANGE.match(line)
    rest = line[change.end() :] if change else line
    # `[Gusto](https://gusto.com/)` in Markdown show notes is a link, not a speaker.
    bracketed = None if _LINK.match(rest) else _BRACKETED.match(rest)
    if bracketed and _is_bracketed_speaker(bracketed["name"].strip(), bracketed["open"], bool(bracketed["colon"]),
                                           words_follow=bracketed.end() < len(rest)):
        return Marked(rest[bracketed.end() :], bracketed["name"].strip(), True)
    labelled = _LABELLED.match(rest)
    if labelled and _is_label(labelled["name"]):
        return Marked(rest[labelled.end() :], split_name_role(labelled["name"].strip())[0], True, labelled=True)
    return Marked(rest, None, bool(change))


# Cached: a file repeats its few speaker labels on every cue.
@functools.lru_cache(maxsize=4096)
def _is_label(name: str) -> bool:
    # "Note: ..." or "Example: ..." would be name-like too; a label has at most four words.
    # Zoom writes a role after the name: `Ashlee Kupor (SL):`.
    person, role = split_name_role(name)
    if role is not None and not is_bare_label(name) and not is_comma_role(person, role):
        return False
    return is_name_like(person) and len(person.split()) <= 4 and person.lower() not in _SOUNDS


@functools.lru_cache(maxsize=4096)
def _is_bracketed_speaker(name: str, opening: str, colon: bool, *, words_follow: bool) -> bool:
    if _DIARIZATION_LABEL.match(name):
        return True
    if name.lower() in _SOUNDS or not is_name_like(name.replace("_", " ").strip()):
        return False
    return colon or (opening == "[" and words_follow)


@dataclass
class SpeakerTrack:
    """Carried from cue to cue: who is speaking, the last caption line (rolling captions repeat it)
    and the last cue's text (word-highlight captions repeat the cue once a word)."""

    speaker: str | None = None
    last_line: str = field(default="", repr=False)
    last_cue: str = field(default="", repr=False)
    last_raw: str = field(default="", repr=False)
    """The last cue's text as the file writes it, markup and all (whitespace collapsed)."""
    last_start: float | None = field(default=None, repr=False)
    last_end: float | None = field(default=None, repr=False)
    _shown: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _marks: dict[str, Marked] = field(default_factory=dict, repr=False)
    """What `of` read of each line, kept so that reading the cues does not read them again."""
    unvouched: frozenset[str] = frozenset()
    """Labels in a script without capitals (`رجم من قبل:` in a translator's credit) used once: only
    use tells such a label from a sentence's first words, so these are words."""
    label_alone: bool = False
    """The last cue held a label and no words."""
    sparse: frozenset[str] = frozenset()
    """Labels that name their own cue's speaker only: those of a file whose lines seldom carry one
    (under a quarter of them), unless the labels mark the changes of speaker (`_marks_changes`).
    In subtitles a label marks what a voice off screen says, not a turn, so it does not carry over
    to the cues after it; in a transcript's captions every change of speaker is labelled, and the
    cues after a label are that speaker's. Labels after `>>` (broadcast captions mark every change
    so) and diarization labels always carry over."""

    @classmethod
    def of(cls, lines: Iterable[str]) -> SpeakerTrack:
        """A track for a file whose cue text lines (markup and all) are `lines`."""
        track = cls()
        counts: Counter[str] = Counter()
        labels: list[str] = []  # the labels that count, in the file's order
        shown = after = uncovered = 0  # lines; those after the first label; those of them nobody's
        speaking: str | None = None
        for raw in lines:
            for line in track.lines(raw):
                if not _WORDS.search(line) or TIMING.match(line):
                    continue
                shown += 1
                mark = track.mark(line)
                carries = line.startswith(">>") or _DIARIZATION_LABEL.match(mark.speaker or "")
                if mark.speaker is not None and not carries:
                    counts[mark.speaker] += 1
                    labels.append(mark.speaker)
                if mark.speaker is not None or mark.new_turn or _TIGHT_DASH.match(line):
                    speaking = mark.speaker  # an unnamed change (`- `, `>>`, `-Word`) names nobody
                if labels:
                    after += 1
                    uncovered += speaking is None
        dense = sum(counts.values()) >= _DENSE_LABELS * shown
        carried = dense or _marks_changes(labels, after, uncovered)
        track.sparse = frozenset() if carried else frozenset(counts)
        track.unvouched = frozenset(name for name, count in counts.items() if count < 2 and is_caseless_name(name))
        return track

    def lines(self, raw: str) -> list[str]:
        """`cue_lines(raw)`, read once per distinct line of the file."""
        shown = self._shown.get(raw)
        if shown is None:
            shown = self._shown[raw] = cue_lines(raw)
        return shown

    def mark(self, line: str) -> Marked:
        """`speaker_mark(line)`, read once per distinct line of the file."""
        found = self._marks.get(line)
        if found is None:
            found = self._marks[line] = speaker_mark(line)
        return found

    def new_cue(self) -> None:
        """A cue (or TTML paragraph) begins: a sparse label spoke for its own cue only, or for the
        next where it stood alone in its cue (`Herald:`, then the words)."""
        if self.speaker in self.sparse and not self.label_alone:
            self.speaker = None
        self.label_alone = False


def _marks_changes(labels: list[str], after: int, uncovered: int) -> bool:
    """Whether a file's few labels (`labels`, in order) mark the changes of speaker, as a
    transcript's captions do (`Travis:` where Travis starts, his next cues unlabelled, `Sarah:` where
    she takes over), not the odd voice in subtitles (`NARRATOR:`, `MAN:` among the dialogue of
    others): people's names that recur and alternate, a label seldom naming the speaker the one
    before it named, and (nearly) every line after the first label left to a label's speaker, not
    to an unnamed change (`after` lines, `uncovered` of them after an unnamed change)."""
    if len(labels) < _MIN_CHANGE_LABELS:
        return False
    names = Counter(labels)
    recurring = sum(count >= 2 for count in names.values())
    if len(names) < 2 or 2 * recurring < len(names):
        return False
    if not all(is_person_like(name) and not _VOICE_WORDS.intersection(name.lower().split()) for name in names):
        return False
    slips = sum(label == before for before, label in zip(labels, labels[1:], strict=False))
    return slips <= _CHANGE_SLIPS * (len(labels) - 1) and uncovered <= _UNCOVERED * after


def cue_pieces(payload: list[Line], times: tuple[float | None, float | None], track: SpeakerTrack, *,
               rolling: bool, speaker: str | None = None) -> Iterator[Piece]:
    """The pieces of one cue's text lines, each split at its line breaks: `speaker` (a field of the
    cue's own, as SubStation Alpha's Name) names the speaker of the whole cue, a voice tag that of
    its words up to the next voice tag (`voice_spans`; each such part points at its own characters),
    else a line's own mark (`Name:`, `[Name]`, `>>`, a tight `-` on two or more of its lines) does,
    else the speaker carries over from before (not a sparse label's: `SpeakerTrack.sparse`). A
    `Name:` on a line that runs on from an unfinished sentence, or a caseless one used once, is
    words. With `rolling`, a line that repeats the previous caption line is dropped; without, a cue
    that shows the last one's words again and is no new utterance is (`_highlight_repeat`)."""
    shown = [content for line in payload for content in track.lines(line.text) if content]
    whole = " ".join(shown)
    raw = " ".join(" ".join(line.text for line in payload).split())
    repeated = not rolling and _highlight_repeat(whole, raw, times, track)
    track.last_cue, track.last_raw, track.last_start, track.last_end = whole, raw, times[0], times[1]
    if repeated:
        return  # the same words again, another of them highlighted (or the same cue shown twice at once)
    dashed = sum(bool(_TIGHT_DASH.match(content)) for content in shown) >= 2
    track.new_cue()
    spans = [(speaker, payload)] if speaker else voice_spans(payload)
    previous = ""
    for tagged, lines in spans:
        source = f"char={lines[0].start},{lines[-1].end}"
        for content in (content for line in lines for content in track.lines(line.text) if content):
            if rolling and content == track.last_line:
                continue  # a rolling caption's line, shown again under the next
            yield from _line_pieces(content, previous, source, times, track, tagged=tagged, dashed=dashed)
            previous = content


def _highlight_repeat(whole: str, raw: str, times: tuple[float | None, float | None], track: SpeakerTrack) -> bool:
    """Whether a cue (its shown words `whole`, its text as written `raw`) shows the last cue's words
    (three or more) again and is no new utterance: a word-highlight caption, the same words with
    another of them marked up (stable-ts' `<font color>`, `<u>`; or none, over a silence between
    two words), right after the last cue; or the same text written alike, shown again while the
    last cue is still on screen (captions that animate a line give it twice at once). The same text
    written alike after the last cue has ended is said again: Whisper's "I don't know." twice."""
    if len(whole.split()) < _MIN_REPEATED_WORDS or whole != track.last_cue:
        return False
    start, last_start, last_end = times[0], track.last_start, track.last_end
    if start is None or last_end is None:
        return False
    if raw != track.last_raw:
        return start <= last_end + _ABUTTING
    return start < last_end - _ABUTTING or (last_start is not None and start <= last_start)


def _line_pieces(content: str, previous: str, source: str, times: tuple[float | None, float | None],
                 track: SpeakerTrack, *, tagged: str | None, dashed: bool) -> Iterator[Piece]:
    """The piece of one shown line of a cue (none for a label alone), its speaker `tagged`, else
    its own mark, else the one before; `previous` is the cue's line before it."""
    track.last_line = content
    mark = track.mark(content)
    if mark.labelled and (mark.speaker in track.unvouched or previous and not _SENTENCE_END.search(previous)):
        mark = Marked(content, None, False)  # "... it is about the / Atma: the Spirit" runs on
    elif mark.speaker is None and dashed and _TIGHT_DASH.match(content):
        mark = Marked(content.lstrip()[1:], None, True)
    if tagged is not None:
        track.speaker = tagged
    elif mark.speaker is not None or mark.new_turn:
        track.speaker = mark.speaker
    # A named mark changes the turn only when the name changes; a bare `>>` always does.
    unnamed_change = mark.new_turn and mark.speaker is None and tagged is None
    if mark.text:
        yield Piece(mark.text, source, times[0], times[1], track.speaker, unnamed_change)
    track.label_alone = not mark.text and mark.speaker is not None
