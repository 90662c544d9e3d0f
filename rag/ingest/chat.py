"""CHAT transcripts (`.cha`): the format of TalkBank's corpora (CHILDES, CABank's phone calls and
meetings, AphasiaBank), written by CLAN.

A line `*MOT:` opens an utterance of the participant coded `MOT`; lines that start with a tab
go on with it. `%mor:`, `%com:` and other dependent tiers annotate the utterance and are left
out, as are the `@` headers but for `@Participants:` (`CHI Ross Target_Child, MOT Mother`:
each code with an optional name and a role) and `@Date:` (`04-MAR-1980`). A media bullet
(`\\x15` 1200_2500 `\\x15`, milliseconds) times the words before it; an utterance's words are
kept as transcribed, CHAT's codes included, and each run of them up to a bullet is a piece
pointing at its characters. A speaker is named by the participant's name, else by their role
where no one else has it, else by their code; the role is kept.
"""

from __future__ import annotations

import datetime as dt
import re

from rag.errors import CorpusError
from rag.ingest.timed import Metadata, Piece, build_transcript
from rag.types import Speaker, Transcript

SUFFIX = ".cha"
_MAIN = re.compile(r"^\*(?P<code>[A-Za-z0-9_+-]{1,8}):[ \t]?")
_BULLET = re.compile(r"\x15(?:%\w+:\s*)?(?P<start>\d+)_(?P<end>\d+)\x15")
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}


class ChatReader:
    """CHAT transcripts (`.cha`)."""

    name = "chat"
    media_types = {SUFFIX: ("text/plain", "text/x-chat")}
    suffixes = tuple(media_types)

    def parse(self, doc_id: str, text: str, metadata: Metadata) -> Transcript:
        """The transcript of the main tiers' utterances; CorpusError when the file is no CHAT file
        (it opens with `@UTF8` or `@Begin`) or holds no utterance."""
        head = text.lstrip("\ufeff \t\r\n")
        if not head.startswith(("@UTF8", "@Begin")):
            raise CorpusError(f"{doc_id}: not a CHAT file: it should open with @UTF8 or @Begin")
        participants = _participants(text)
        pieces = [piece for start, end, code in _utterances(text) for piece in _pieces(text, start, end, code)]
        own = Metadata(date=_date(text), speakers=participants)
        return build_transcript(doc_id, self.name, pieces, own.overridden_by(metadata))


def _utterances(text: str) -> list[tuple[int, int, str]]:
    """Each main tier's words: (start, end) in the file, continuation lines included, and the code."""
    utterances: list[tuple[int, int, str]] = []
    going_on = False  # whether a tab-led line goes on with the last utterance
    for line in re.finditer(r"[^\n]*", text):
        content = line.group().rstrip("\r")
        if (main := _MAIN.match(content)) is not None:
            utterances.append((line.start() + main.end(), line.start() + len(content), main["code"]))
            going_on = True
        elif content.startswith("\t") and going_on:
            start, _, code = utterances[-1]
            utterances[-1] = (start, line.start() + len(content), code)
        elif content.strip():
            going_on = False  # a header or a dependent tier (and its own continuation lines)
    return utterances


def _pieces(text: str, start: int, end: int, code: str) -> list[Piece]:
    """An utterance's runs of words, each up to a media bullet and timed by it."""
    pieces = []
    position = start
    for bullet in [*_BULLET.finditer(text, start, end), None]:
        until = bullet.start() if bullet else end
        words = text[position:until]
        if words.strip():
            left = position + len(words) - len(words.lstrip())
            right = until - (len(words) - len(words.rstrip()))
            times = (_seconds(bullet["start"]), _seconds(bullet["end"])) if bullet else (None, None)
            if None in times:
                times = (None, None)
            pieces.append(Piece(" ".join(text[left:right].split()), f"char={left},{right}", *times, speaker=code))
        position = bullet.end() if bullet else end
    return pieces


def _seconds(milliseconds: str) -> float | None:
    """A media bullet's milliseconds as seconds; None for a number no recording reaches (a bullet
    of hundreds of digits is a damaged file's, and int() refuses past 4300 of them)."""
    if len(milliseconds) > _MOST_MS_DIGITS:
        return None
    return round(int(milliseconds) / 1000, 3)


_MOST_MS_DIGITS = 12  # 30 years of milliseconds


def _header(text: str, name: str) -> str | None:
    match = re.search(rf"^@{name}:[ \t]*(?P<value>[^\n]*(?:\n\t[^\n]*)*)", text, re.M)
    return " ".join(match["value"].split()) if match else None


def _participants(text: str) -> dict[str, Speaker]:
    """Participant code -> the person: name (else their role where no one else has it, else the
    code) and role."""
    entries = []
    for entry in (_header(text, "Participants") or "").split(","):
        fields = entry.split()
        if not fields:
            continue
        code, role = fields[0], fields[-1].replace("_", " ") if len(fields) > 1 else None
        name = " ".join(fields[1:-1]).replace("_", " ") or None
        entries.append((code, name, role))
    roles = [role for _, _, role in entries]
    people = {}
    for code, name, role in entries:
        if name:
            people[code] = Speaker(name, role)
        else:
            people[code] = Speaker(role, None) if role and roles.count(role) == 1 else Speaker(code, role)
    return people


def _date(text: str) -> str | None:
    """`@Date:`'s day as ISO `YYYY-MM-DD`, when it is one."""
    match = _DATE.search(_header(text, "Date") or "")
    month = _MONTHS.get(match[2].upper()) if match else None
    if match is None or month is None:
        return None
    try:
        return dt.date(int(match[3]), month, int(match[1])).isoformat()
    except ValueError:
        return None
