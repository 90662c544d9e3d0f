"""NIST segment time marked files (`.stm`): the reference transcripts of speech recognition
evaluations, as sclite and asclite score against them (TED-LIUM, Hub4 broadcast news, Switchboard,
AMI and ESTER references; Transcriber and Kaldi export them).

Each line is `file channel speaker start end [<label>] transcript`: fields separated by spaces or
tabs, times in seconds, an optional label in angle brackets (`<o,f0,male>`: the condition and
the speaker's sex), then the words to the end of the line. `;;` opens a comment line (the
`CATEGORY` and `LABEL` header). Each line is a piece timed `start`-`end`, its speaker the
`speaker` field as written (`AlGore_2009`, `Mickaël_Thébault`, `2347-a`), pointing at its
transcript's characters in the file. Lines that carry no words are left out: no transcript,
`ignore_time_segment_in_scoring` (any case), and the `inter_segment_gap` and `excluded_region`
pseudo-speakers.

The words are kept as the reference writes them (`(%HESITATION)`, `{breath}`, sclite's
alternations `{ um / uh }`), but for a token wholly in angle brackets (`<unk>`, `<sil>`, `<s>`):
a recogniser's or aligner's placeholder, not a word anyone said (TED-LIUM writes `<unk>` for a
word outside its vocabulary), which an extract would show as markup.

A file may hold several recordings (the first field changes): they make one transcript, each
recording's pieces in the file's order, a new turn where the recording changes; within one
recording the channels' pieces (the two sides of a telephone call) are put in the order they
were said. A line not of that shape, or a time that is no number, is refused with a CorpusError
naming the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from rag.errors import CorpusError
from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece, build_transcript, in_time_order
from rag.types import Transcript

SUFFIX = ".stm"
# file, channel, speaker, start, end; then an optional `<label>` and the transcript.
_LINE = re.compile(
    r"[ \t]*(?P<file>\S+)[ \t]+(?P<channel>\S+)[ \t]+(?P<speaker>\S+)[ \t]+(?P<start>\S+)[ \t]+(?P<end>\S+)"
    r"(?:[ \t]+(?P<label><[^<>\s]*>))?(?:[ \t]+(?P<words>.*?))?[ \t\r]*$"
)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_TOKEN = re.compile(r"\S+")
_PLACEHOLDER = re.compile(r"<[^<>\s]*>")
_IGNORED = "ignore_time_segment_in_scoring"
_NO_WORDS = frozenset({"inter_segment_gap", "excluded_region"})


class StmReader:
    """NIST segment time marked references (`.stm`)."""

    name = "stm"
    media_types = {SUFFIX: ("text/plain",)}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the lines' words; CorpusError names a line not of STM's shape, and
        says so when no line holds words."""
        recordings: dict[str, dict[str, list[Piece]]] = {}
        for recording, channel, piece in _lines(doc_id, text):
            recordings.setdefault(recording, {}).setdefault(channel, []).append(piece)
        pieces = []
        for channels in recordings.values():
            ordered = in_time_order(channels.values())
            pieces.extend([replace(ordered[0], new_turn=True), *ordered[1:]])
        return build_transcript(doc_id, self.name, pieces, metadata)


def _lines(doc_id: str, text: str) -> Iterator[tuple[str, str, Piece]]:
    """Each line that carries words: its recording, its channel and its piece."""
    line_start = 0
    for number, line in enumerate(text.split("\n"), 1):
        content = line.lstrip("\ufeff")
        offset = line_start + len(line) - len(content)
        line_start += len(line) + 1
        if not content.strip() or content.lstrip().startswith(";;"):
            continue
        fields = _LINE.match(content)
        if fields is None:
            raise CorpusError(f"{doc_id}: line {number}: not an STM line "
                              "(file channel speaker start end [<label>] transcript)")
        start, end = _seconds(doc_id, number, fields["start"]), _seconds(doc_id, number, fields["end"])
        if end < start:
            raise CorpusError(f"{doc_id}: line {number}: ends ({fields['end']}) before it starts ({fields['start']})")
        speaker = fields["speaker"]
        words = fields["words"] or ""
        if speaker.lower() in _NO_WORDS or words.strip().lower() == _IGNORED:
            continue
        kept = [token for token in _TOKEN.finditer(words) if not _PLACEHOLDER.fullmatch(token.group())]
        if not kept:
            continue
        first = offset + fields.start("words") + kept[0].start()
        last = offset + fields.start("words") + kept[-1].end()
        piece = Piece(" ".join(token.group() for token in kept), f"char={first},{last}", start, end,
                      speaker=None if speaker.lower() in NO_SPEAKER else speaker)
        yield fields["file"], fields["channel"], piece


def _seconds(doc_id: str, number: int, value: str) -> float:
    """A time field in seconds; CorpusError names the line where it is no number (or a negative one)."""
    if not _NUMBER.fullmatch(value) or float(value) < 0:
        raise CorpusError(f"{doc_id}: line {number}: {value!r} is not a time in seconds")
    return round(float(value), 3)
