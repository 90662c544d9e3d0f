"""Praat TextGrids (`.TextGrid`): the annotation files of phonetics, of forced aligners (Montreal
Forced Aligner, WebMAUS) and of speech corpora.

A TextGrid is a list of tiers; an interval tier is a list of intervals, each `xmin`, `xmax` and a
`text`. A tier is usually one speaker (its name the speaker's), or one level of an aligner's
output: `words` and `phones`, or `Alice - words` and `Alice - phones` for each speaker. Each
non-empty interval of a tier of words is a timed piece pointing at its text's characters; the
pieces of all tiers are put in the order they were said. Point tiers (marks at an instant) and
tiers of phones or syllables hold no words of the transcript and are left out.

Both of Praat's text layouts are read: the long one (`xmin = 0`, `text = "..."`) and the short
one (the same values, one per line, without their names): the reader takes the file as the
sequence of its values, strings and numbers, and skips names, `[n]` indices and flags. A binary
TextGrid is refused with what to do instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.errors import CorpusError
from rag.ingest.names import NO_SPEAKER, TIER_LEVELS
from rag.ingest.timed import Metadata, Piece, build_transcript, in_time_order
from rag.types import Transcript

SUFFIX = ".textgrid"
# The values of a text TextGrid: strings ("" escapes a quote), numbers; names (`xmin =`, `item`),
# `[1]` indices and `<exists>` flags are the layout's, not values.
_VALUE = re.compile(
    r'"(?P<string>(?:[^"]|"")*)"'
    r"|\[[^\]\n]*\]|<\w+>|[A-Za-z_][\w?]*"
    r"|(?P<number>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
)
_INTERVAL_TIER = "IntervalTier"
_POINT_TIERS = ("TextTier", "PointTier")
# Tier names (lower case, after `Speaker - `) of an aligner's or annotator's levels below the word.
_BELOW_WORDS = frozenset({"phones", "phone", "phonemes", "phoneme", "phonetic", "segments", "syllables", "syllable",
                          "syll", "mau", "tones"})


@dataclass(frozen=True)
class _Value:
    text: str | None
    number: float | None
    start: int
    end: int


@dataclass(frozen=True)
class _Interval:
    start_time: float
    end_time: float
    text: str
    start: int
    end: int


class TextGridReader:
    """Praat TextGrids (`.TextGrid`, in either text layout)."""

    name = "textgrid"
    media_types = {SUFFIX: ("text/plain", "text/praat-textgrid")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the word tiers' intervals, in time order; CorpusError when the file is
        no text TextGrid or holds no words."""
        if text.lstrip("\ufeff").startswith("ooBinaryFile"):
            raise CorpusError(f"{doc_id}: a binary TextGrid; save it from Praat as a text file "
                              "(Save as text file..., or Save as short text file...)")
        values = _Values(doc_id, [_value(match) for match in _VALUE.finditer(text) if _is_value(match)])
        values.expect_string("ooTextFile", "a Praat text file (File type = \"ooTextFile\")")
        values.expect_string("TextGrid", "a TextGrid (Object class = \"TextGrid\")")
        values.number(), values.number()  # the grid's xmin and xmax
        tiers = _tiers(values)
        spoken = _spoken_tiers(tiers)
        pieces = in_time_order(
            [Piece(interval.text, f"char={interval.start},{interval.end}", interval.start_time, interval.end_time,
                   speaker=speaker) for interval in intervals]
            for speaker, intervals in spoken
        )
        return build_transcript(doc_id, self.name, pieces, metadata)


def _is_value(match: re.Match[str]) -> bool:
    return match["string"] is not None or match["number"] is not None


def _value(match: re.Match[str]) -> _Value:
    if match["string"] is not None:
        return _Value(match["string"].replace('""', '"'), None, match.start("string"), match.end("string"))
    return _Value(None, float(match["number"]), match.start(), match.end())


class _Values:
    """The file's values, read in order; CorpusError says which was expected where one is not."""

    def __init__(self, doc_id: str, values: list[_Value]) -> None:
        self.doc_id = doc_id
        self._values = values
        self._next = 0

    @property
    def left(self) -> int:
        """Values not read yet."""
        return len(self._values) - self._next

    def take(self, what: str) -> _Value:
        """The next value; CorpusError when the file ends first."""
        if self._next >= len(self._values):
            raise CorpusError(f"{self.doc_id}: the TextGrid ends where {what} was expected")
        self._next += 1
        return self._values[self._next - 1]

    def string(self, what: str = "a string") -> _Value:
        """The next value, which must be a string."""
        value = self.take(what)
        if value.text is None:
            raise CorpusError(f"{self.doc_id}: character {value.start}: {what} expected, found a number")
        return value

    def number(self, what: str = "a number") -> float:
        """The next value, which must be a number."""
        value = self.take(what)
        if value.number is None:
            raise CorpusError(f"{self.doc_id}: character {value.start}: {what} expected, found {value.text!r}")
        return value.number

    def count(self, what: str) -> int:
        """The next value, which must be a whole number of things, 0 or more."""
        value = self.take(what)
        if value.number is None or not value.number.is_integer() or value.number < 0:
            found = repr(value.text) if value.number is None else f"{value.number:g}"
            raise CorpusError(f"{self.doc_id}: character {value.start}: {what} expected, found {found}")
        return int(value.number)

    def expect_string(self, expected: str, what: str) -> None:
        """The next value must be the string `expected`."""
        value = self.take(what)
        if value.text != expected:
            raise CorpusError(f"{self.doc_id}: not {what}")


def _tiers(values: _Values) -> list[tuple[str, list[_Interval]]]:
    """Each interval tier's name and non-empty intervals (point tiers are read past)."""
    count = values.count("the number of tiers") if values.left else 0
    tiers = []
    for _ in range(count):
        kind = values.string("a tier's class").text
        name = values.string("a tier's name").text or ""
        values.number(), values.number()  # the tier's xmin and xmax
        size = values.count("the number of intervals")
        if kind in _POINT_TIERS:
            for _ in range(size):
                values.number("a point's time"), values.string("a point's mark")
            continue
        if kind != _INTERVAL_TIER:
            raise CorpusError(f"{values.doc_id}: tier {name!r} is a {kind!r}, not an IntervalTier or TextTier")
        intervals = []
        for _ in range(size):
            start_time, end_time = values.number("an interval's xmin"), values.number("an interval's xmax")
            words = values.string("an interval's text")
            if words.text and words.text.strip():
                intervals.append(_Interval(round(start_time, 3), round(end_time, 3), " ".join(words.text.split()),
                                           words.start, words.end))
        tiers.append((name, intervals))
    return tiers


def _spoken_tiers(tiers: list[tuple[str, list[_Interval]]]) -> list[tuple[str | None, list[_Interval]]]:
    """The tiers that hold words, each with its speaker: the tier's name, or what comes before
    ` - words` in an aligner's `Speaker - words`; none where the name is a level's (`words`)."""
    spoken = []
    for name, intervals in tiers:
        speaker, _, level = name.rpartition(" - ")
        level_key = " ".join(level.lower().split())
        if level_key in _BELOW_WORDS or not intervals:
            continue
        label = speaker.strip() if speaker.strip() else (None if level_key in TIER_LEVELS else name.strip())
        spoken.append((label if label and label.lower() not in NO_SPEAKER else None, intervals))
    return spoken
