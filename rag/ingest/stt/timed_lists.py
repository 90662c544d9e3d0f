"""Lists of timed items, the shape most tools share: segments, utterances, chunks or words, each
with its text, its times (whichever keys and unit) and maybe a speaker, on it or in spans the file
gives apart from the words."""

from __future__ import annotations

import bisect
import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

from rag.ingest.stt.fields import TEXT_KEYS, WORD_KEYS, has_texts, key_in
from rag.ingest.stt.speakers import speaker_label, speaker_of
from rag.ingest.stt.times import item_span
from rag.ingest.timed import Piece


def timed_items(items: list[Any], pointer: str, unit: float = 1.0) -> Iterator[Piece]:
    """Items of words with their times (in seconds unless `unit` says otherwise) and maybe a speaker:
    Whisper's and WhisperX's `segments`, the Podcasting 2.0 transcript's (`body`, `startTime`,
    `endTime`: the JSON podcast hosts publish beside an episode), Hugging Face's `chunks` (`timestamp`:
    `[start, end]`), AssemblyAI's sentences and paragraphs, and plain lists of `{speaker, start, end, text}`."""
    return timed_words(items, pointer, unit, keys=TEXT_KEYS)


def timed_words(words: list[Any], pointer: str, unit: float, speakers: SpeakerSpans | None = None,
                keys: tuple[str, ...] = WORD_KEYS) -> Iterator[Piece]:
    """A list of timed words (ElevenLabs, OpenAI's word timestamps, AssemblyAI, Vosk, Kaldi, Trint,
    Speechmatics v1), or of longer timed items (`TEXT_KEYS`): each spelt in one of `keys`, its speaker on it
    (or most of its words') or in `speakers` (start, end, label: the spans a file gives apart from
    its words)."""
    spaced = _spaced(words, keys)
    previous = None
    for i, word in enumerate(words):
        key = key_in(word, keys)
        if key is None:
            continue
        start, end = item_span(word, unit)
        speaker = speaker_of(word) or (speakers.speaker_at(start) if speakers else None)
        joined = word.get("type") == "punctuation" or (spaced and _goes_on(word[key], speaker, previous))
        yield Piece(word[key], f"{pointer}/{i}/{key}", start, end, speaker, attached=joined)
        previous = (speaker,)


def _goes_on(text: str, speaker: str | None, previous: tuple[str | None] | None) -> bool:
    """Whether a word of a list that writes its spaces goes on the word before it: it opens with no
    space, and that word is of the same speaker (`previous`: its speaker, None before the first)."""
    return previous is not None and previous[0] == speaker and not text[:1].isspace()


def _spaced(items: list[Any], text_keys: tuple[str, ...]) -> bool:
    """Whether the items write the space before a word into its text (Whisper's `" Dubai"`: most after
    the first open with one), so that one opening with none goes on the word before it (`" Co"`, `"-Pilot"`)."""
    texts = [item[key] for item in items[1:] if (key := key_in(item, text_keys)) is not None]
    texts = [text for text in texts if text.strip()]
    return 2 * sum(text[:1].isspace() for text in texts) > len(texts)


def speaker_spans(data: dict[str, Any], unit: float) -> SpeakerSpans | None:
    """The speakers' spans a file of `words` gives beside them, when their items have no words of their
    own: BBC digital paper edit's `paragraphs` (`speaker`, `start`, `end`), Speechmatics v1's `speakers`
    (`name`, `time`, `duration`)."""
    for key, label_key in (("paragraphs", "speaker"), ("speakers", "name")):
        items = data.get(key)
        if not isinstance(items, list) or has_texts(items):
            continue
        spans = []
        for item in items:
            label = speaker_label(item.get(label_key)) if isinstance(item, dict) else None
            start, end = item_span(item, unit) if label else (None, None)
            if start is not None and end is not None:
                spans.append((start, end, label))
        if spans:
            return SpeakerSpans.of(spans)
    return None


@dataclasses.dataclass(frozen=True)
class SpeakerSpans:
    """Speakers' spans given apart from the words, sorted by start, so that a word's speaker is found
    by bisection: a long paper edit has thousands of spans, and checking each word against all of
    them took time growing with the square of the file."""

    starts: list[float]
    ends: list[float]
    labels: list[str]
    reach: list[float]  # the latest end among the spans up to each: where a backward search may stop

    @classmethod
    def of(cls, spans: list[tuple[float, float, str]]) -> SpeakerSpans:
        """The lookup over (start, end, label) spans in any order."""
        ordered = sorted(spans, key=lambda span: span[0])
        return cls([s for s, _, _ in ordered], [e for _, e, _ in ordered], [label for _, _, label in ordered],
                   list(itertools.accumulate((e for _, e, _ in ordered), max)))

    def speaker_at(self, time: float | None) -> str | None:
        """The speaker of the span a word starting at `time` falls in (of overlapping ones, the one that
        starts last), or None."""
        if time is None:
            return None
        i = bisect.bisect_right(self.starts, time) - 1
        while i >= 0 and self.reach[i] >= time:
            if self.ends[i] >= time:
                return self.labels[i]
            i -= 1
        return None
