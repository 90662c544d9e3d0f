"""Parsing speed per format: about 1 MB of each timed format (captions, speech-to-text JSON, a
timestamped text export, TTML, a Premiere Pro CSV, ELAN, a Praat TextGrid, CHAT), made by repeating cues of the shapes real tools write, parsed by
its reader (the target: well under a second per megabyte)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from benchmarks.results import ParseResult
from rag.index.collector import cyclic_gc_paused
from rag.ingest.readers import parse_document

_TARGET_BYTES = 1_000_000
_WORDS = ("the port handled more containers this year and the new routes opened to eleven countries "
          "while inspections went faster than before").split()


def _clock(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:06.3f}"


def _sentence(i: int) -> str:
    return " ".join(_WORDS[(i + j) % len(_WORDS)] for j in range(12)).capitalize() + "."


def _cues(cue: Callable[[int], str], header: str = "") -> str:
    """Cues made by `cue(i)` until the file holds about `_TARGET_BYTES`."""
    parts, size, i = [header] if header else [], len(header), 0
    while size < _TARGET_BYTES:
        parts.append(cue(i))
        size += len(parts[-1]) + 1
        i += 1
    return "\n".join(parts)


def _webvtt() -> str:
    return _cues(lambda i: f"9a1f2b3c-1d2e-4f5a-8b9c-0d1e2f3a4b5c/{i}-0\n{_clock(i * 2.5)} --> "
                           f"{_clock(i * 2.5 + 2.4)}\n<v Speaker {i // 7 % 3}>{_sentence(i)}</v>\n", "WEBVTT\n")


def _srt() -> str:
    return _cues(lambda i: f"{i + 1}\n{_clock(i * 2.5).replace('.', ',')} --> {_clock(i * 2.5 + 2.4).replace('.', ',')}\n"
                           f"[SPEAKER_{i // 7 % 3:02d}]: {_sentence(i)}\n")


def _whisperx() -> str:
    segments, size, i = [], 0, 0
    while size < _TARGET_BYTES:
        words = [{"word": w, "start": i * 2.5 + k * 0.2, "end": i * 2.5 + k * 0.2 + 0.18, "speaker": f"SPEAKER_{i // 7 % 3:02d}"}
                 for k, w in enumerate(_sentence(i).split())]
        segment = {"start": i * 2.5, "end": i * 2.5 + 2.4, "text": " " + _sentence(i), "words": words}
        segments.append(segment)
        size += len(json.dumps(segment))
        i += 1
    return json.dumps({"segments": segments, "language": "en"})


def _otter() -> str:
    # A timestamped text export: the speaker and time above each paragraph.
    return _cues(lambda i: f"Speaker {i // 7 % 3 + 1}  {_clock(i * 2.5)[:8]}\n{_sentence(i)}\n", "Weekly sync\n")


def _ttml() -> str:
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<tt xmlns="http://www.w3.org/ns/ttml" '
            'xmlns:ttm="http://www.w3.org/ns/ttml#metadata"><body><div>')
    return _cues(lambda i: f'<p begin="{_clock(i * 2.5)}" end="{_clock(i * 2.5 + 2.4)}" ttm:agent="s{i // 7 % 3}">'
                           f"{_sentence(i)}</p>", head) + "\n</div></body></tt>\n"


def _premiere_csv() -> str:
    def row(i: int) -> str:
        return f'"Speaker {i // 7 % 3 + 1}","{_timecode(i * 2.5)}","{_timecode(i * 2.5 + 2.4)}","{_sentence(i)}"'
    return _cues(row, '"Speaker Name","Start Time","End Time","Text"')


def _elan() -> str:
    # Two participants' tiers; the slots listed first, as ELAN writes them.
    count = _TARGET_BYTES // 363
    slots = "".join(f'<TIME_SLOT TIME_SLOT_ID="ts{2 * i}" TIME_VALUE="{i * 2500}"/>'
                    f'<TIME_SLOT TIME_SLOT_ID="ts{2 * i + 1}" TIME_VALUE="{i * 2500 + 2400}"/>\n' for i in range(count))
    tiers = "".join(
        f'<TIER TIER_ID="S{t}" PARTICIPANT="Speaker {t + 1}">\n' + "".join(
            f'<ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a{i}" TIME_SLOT_REF1="ts{2 * i}" '
            f'TIME_SLOT_REF2="ts{2 * i + 1}"><ANNOTATION_VALUE>{_sentence(i)}</ANNOTATION_VALUE>'
            "</ALIGNABLE_ANNOTATION></ANNOTATION>\n" for i in range(t, count, 2)) + "</TIER>\n"
        for t in range(2))
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT FORMAT="3.0"><HEADER TIME_UNITS="milliseconds"/>'
            f"<TIME_ORDER>\n{slots}</TIME_ORDER>\n{tiers}</ANNOTATION_DOCUMENT>\n")


def _textgrid() -> str:
    # A forced aligner's word tier (a word per interval), in Praat's long layout.
    words = [word for i in range(_TARGET_BYTES // 1282) for word in _sentence(i).split()]
    intervals = "".join(f'        intervals [{n}]:\n            xmin = {n * 0.3:.2f}\n            xmax = {n * 0.3 + 0.3:.2f}'
                        f'\n            text = "{word}"\n' for n, word in enumerate(words, 1))
    end = f"{len(words) * 0.3 + 0.3:.2f}"
    return (f'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = {end}\ntiers? <exists>\nsize = 1\n'
            f'item []:\n    item [1]:\n        class = "IntervalTier"\n        name = "Speaker 1 - words"\n'
            f"        xmin = 0\n        xmax = {end}\n        intervals: size = {len(words)}\n{intervals}")


def _chat() -> str:
    # TalkBank's CHAT: a main tier with its media bullet, and a dependent tier, per utterance.
    return _cues(lambda i: f"*{('PAR', 'INV')[i // 7 % 2]}:\t{_sentence(i)} \x15{i * 2500}_{i * 2500 + 2400}\x15\n"
                           f"%com:\tcomment {i}", "@UTF8\n@Begin\n@Participants:\tPAR Participant, INV Investigator") + "\n@End\n"


def _timecode(seconds: float) -> str:
    """SMPTE at 30 frames a second, as Premiere Pro writes it."""
    whole = int(seconds)
    return f"{whole // 3600:02d};{whole // 60 % 60:02d};{whole % 60:02d};{int((seconds - whole) * 30):02d}"


FORMATS = {"sample.vtt": _webvtt, "sample.srt": _srt, "sample.json": _whisperx, "sample.txt": _otter,
           "sample.ttml": _ttml, "sample.csv": _premiere_csv, "sample.eaf": _elan, "sample.TextGrid": _textgrid,
           "sample.cha": _chat}


def bench_parsing(repeats: int = 5) -> list[ParseResult]:
    """Median time to parse about 1 MB of each timed format, and what it gave: as builds and
    writes parse, with the cycle collector paused (`cyclic_gc_paused`; the bench process holds
    the model, whose objects each of the collector's passes would walk)."""
    results = []
    for name, make in FORMATS.items():
        text = make()
        seconds = []
        for _ in range(repeats):
            with cyclic_gc_paused():
                started = time.perf_counter()
                transcript = parse_document(name, text)
                seconds.append(time.perf_counter() - started)
        median = statistics.median(seconds)
        results.append(ParseResult(
            format=transcript.format, bytes=len(text.encode()), segments=len(transcript.segments),
            turns=len(transcript.turns), repeats=repeats, median_ms=round(median * 1000, 1),
            mb_per_second=round(len(text.encode()) / 1e6 / median, 2),
        ))
    return results
