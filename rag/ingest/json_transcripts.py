"""Transcripts kept as JSON by other people than speech-to-text services, read by `stt_json` where no
recogniser's shape fits: Oyez's Supreme Court oral arguments (`transcript.sections[].turns[]`, each
turn's `speaker` and its timed `text_blocks`), earnings call transcripts (`prepared_remarks` and
`q_and_a` lists of `{speaker, speech}`, roles in `participants` as `Name--Role`), and conversations
as chat datasets and support tools save them (`conversation`, `conversations`, `messages` or
`dialogue`: a list of `{role | speaker | from, content | text | value | message}`; ShareGPT's
`from`/`value`, the OpenAI chat format's `role`/`content`), alone, as a list of such conversations
or as a bare list of messages.

Each piece points at its string with a JSON pointer, as `stt_json`'s do."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from typing import Any

from rag.ingest.names import NO_SPEAKER
from rag.ingest.timed import Metadata, Piece
from rag.types import Speaker

_CONVERSATION_KEYS = ("conversation", "conversations", "messages", "dialogue")
"""Where a chat export or dataset keeps its list of messages."""
_MESSAGE_SPEAKERS = ("speaker", "from", "role")
"""Who wrote a message: a name (`speaker`), ShareGPT's `from` (`human`, `gpt`), the chat format's
`role` (`user`, `assistant`, `agent`, `customer`)."""
_MESSAGE_TEXTS = ("content", "text", "value", "message", "utterance")
"""Where a message keeps its words: `content` (the OpenAI chat format, a string or a list of parts),
`text`, ShareGPT's `value`, support tools' `message`, dialogue datasets' `utterance`."""
_EARNINGS_SECTIONS = ("prepared_remarks", "q_and_a")
_EARNINGS_TEXTS = ("speech", "text", "content")
_LONG_DATE = re.compile(r"\b([A-Z][a-z]+)\.? (\d{1,2}), (\d{4})\b")
"""A date as Oyez titles write it: `Oral Argument - December 13, 1971`."""


class Misplaced(Exception):
    """A value of the wrong kind where a shape read here needs a time (`stt_json` refuses the file
    naming `pointer`)."""

    def __init__(self, pointer: str, expected: str, value: Any) -> None:
        super().__init__(pointer, expected)
        self.pointer, self.expected, self.value = pointer, expected, value


@dataclasses.dataclass(frozen=True)
class Found:
    """The pieces of a shape read here and what the shape says of the recording besides (the title,
    date and media URL where it keeps them apart from the top level's; each speaker's role)."""

    pieces: list[Piece]
    metadata: Metadata


def read(data: Any) -> Found | None:
    """The pieces and metadata of `data` when it has one of the shapes read here, else None."""
    if isinstance(data, list):
        return _conversation_list(data)
    if not isinstance(data, dict):
        return None
    root, pointer = _oyez_root(data)
    if root is not None:
        return _oyez(data, root, pointer)
    if any(_earnings_entries(data.get(key)) for key in _EARNINGS_SECTIONS):
        return _earnings(data)
    key = _conversation_key(data)
    if key is None:
        return None
    return Found(_messages(data[key], f"/{key}"), Metadata(speakers=_message_roles(data[key])))


def metadata(found: Found, own: Metadata) -> Metadata:
    """`own` (the file's top-level title, date and media URL) with what the shape gives instead."""
    given = found.metadata
    return Metadata(title=given.title or own.title, date=given.date or own.date,
                    media_url=given.media_url or own.media_url,
                    speakers={**(own.speakers or {}), **(given.speakers or {})} or None)


def _label(value: Any) -> str | None:
    """A speaker as text, whitespace collapsed; None for nobody (`Unknown`, `?`, empty); a bare number
    `n` as `Speaker n`, as `stt_json` writes diarization labels."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return f"Speaker {str(value).strip()}"
    if not isinstance(value, str):
        return None
    label = " ".join(value.split())
    return None if label.lower() in NO_SPEAKER else label


def _seconds(value: Any, pointer: str) -> float | None:
    """A time in seconds from a number (or a numeric string); None for anything else; Misplaced for a
    whole number too long to be any time."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        said = float(value)
    except OverflowError:
        raise Misplaced(pointer, "a time", value) from None
    return round(max(said, 0.0), 3) if math.isfinite(said) else None


def _list(value: Any) -> list[Any]:
    """`value` if it is a list, else no items."""
    return value if isinstance(value, list) else []


# Oyez (api.oyez.org/case_media/oral_argument_audio/ID, as walkerdb/supreme_court_transcripts keeps
# it): {"title": "Oral Argument - December 11, 2000", "transcript": {"title": "Bush v. Gore",
# "sections": [{"turns": [{"speaker": {"name", "roles": [{"role_title", "date_start", "date_end"}]}
# | null, "start", "stop", "text_blocks": [{"text", "start", "stop"}]}]}]}, "media_file": [{"mime",
# "href"}]}. Times are seconds; a role's dates Unix seconds, `date_end` 0 while it lasts.


def _oyez_root(data: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The object holding Oyez's `sections` (the file's `transcript`, or the file itself when the
    transcript was saved alone) and its pointer; None when `data` is no Oyez transcript."""
    for root, pointer in ((data.get("transcript"), "/transcript"), (data, "")):
        if isinstance(root, dict) and any(
                isinstance(turn, dict) and isinstance(turn.get("text_blocks"), list)
                for section in _list(root.get("sections")) if isinstance(section, dict)
                for turn in _list(section.get("turns"))):
            return root, pointer
    return None, ""


def _oyez(data: dict[str, Any], root: dict[str, Any], pointer: str) -> Found:
    """Each text block of each turn a piece timed by its `start` and `stop`; the turn's speaker
    `speaker.name` (a null speaker: nobody named), each turn a turn of its own; a speaker's role
    the `role_title` of the role held on the day argued (a justice who became Chief Justice has
    both), else of the last role listed."""
    heading = data.get("title") if root is not data else None
    case = root.get("title")
    heading = heading.strip() if isinstance(heading, str) and heading.strip() else None
    case = case.strip() if isinstance(case, str) and case.strip() else None
    date = _long_date(heading) or _long_date(case)
    argued = dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC).timestamp() if date else None
    pieces: list[Piece] = []
    speakers: dict[str, Speaker] = {}
    for s, section in enumerate(_list(root.get("sections"))):
        turns = _list(section.get("turns")) if isinstance(section, dict) else []
        for t, turn in enumerate(turns):
            if not isinstance(turn, dict):
                continue
            person = turn.get("speaker") if isinstance(turn.get("speaker"), dict) else {}
            name = _label(person.get("name"))
            role = _oyez_role(person.get("roles"), argued)
            if name and role:
                speakers.setdefault(name, Speaker(name, role))
            where = f"{pointer}/sections/{s}/turns/{t}/text_blocks"
            opened = False
            for b, block in enumerate(_list(turn.get("text_blocks"))):
                if not isinstance(block, dict) or not isinstance(block.get("text"), str):
                    continue
                start = _seconds(block.get("start"), f"{where}/{b}/start")
                stop = _seconds(block.get("stop"), f"{where}/{b}/stop")
                pieces.append(Piece(block["text"], f"{where}/{b}/text", start, stop, name,
                                    new_turn=not opened and bool(block["text"].strip())))
                opened = opened or bool(block["text"].strip())
    title = f"{case} ({heading})" if case and heading else case or heading
    return Found(pieces, Metadata(title=title, date=date, media_url=_oyez_media(data.get("media_file")),
                                  speakers=speakers or None))


def _oyez_role(roles: Any, argued: float | None) -> str | None:
    """The `role_title` of the role whose dates hold the day argued, else of the last role listed."""
    titled = [r for r in _list(roles) if isinstance(r, dict) and _label(r.get("role_title"))]
    if not titled:
        return None
    if argued is not None:
        for role in titled:
            start, end = role.get("date_start"), role.get("date_end")
            if not isinstance(start, int | float) or isinstance(start, bool):
                continue
            end = end if isinstance(end, int | float) and not isinstance(end, bool) and end > 0 else math.inf
            if start <= argued < end:
                return _label(role["role_title"])
    return _label(titled[-1]["role_title"])


def _oyez_media(files: Any) -> str | None:
    """The recording's URL: the MP3 among Oyez's `media_file` entries, else the first with an `href`."""
    found = [f for f in _list(files) if isinstance(f, dict) and isinstance(f.get("href"), str) and f["href"].strip()]
    mp3 = next((f for f in found if f.get("mime") == "audio/mpeg"), None)
    chosen = mp3 or (found[0] if found else None)
    return chosen["href"].strip() if chosen else None


def _long_date(title: str | None) -> str | None:
    """The ISO date a title names as `December 13, 1971`, else None."""
    found = _LONG_DATE.search(title) if title else None
    if found is None:
        return None
    try:
        day = dt.datetime.strptime(f"{found.group(1)[:3]} {found.group(2)} {found.group(3)}", "%b %d %Y")
    except ValueError:
        return None
    return day.date().isoformat()


# Earnings calls as la83la/earnings-call-transcripts keeps them (from The Motley Fool's pages):
# {"header_texts": [...], "prepared_remarks": [{"speaker", "speech"}], "q_and_a": [...],
# "participants": ["Tim Cook--Chief Executive Officer", "Jane Roe--Acme Bank -- Analyst"]}.


def _earnings_entries(entries: Any) -> bool:
    """Whether `entries` is a list of a call's turns: some entry names its `speaker` beside its words."""
    return any(isinstance(entry, dict) and isinstance(entry.get("speaker"), str) and _earnings_text(entry)
               for entry in _list(entries))


def _earnings_text(entry: dict[str, Any]) -> str | None:
    """Where an entry of an earnings call keeps its words: `speech`, else `text`, else `content`."""
    return next((key for key in _EARNINGS_TEXTS if isinstance(entry.get(key), str)), None)


def _earnings(data: dict[str, Any]) -> Found:
    """Each entry of the prepared remarks, then of the questions and answers, a piece (untimed) of its
    `speaker`; the Q&A opens a turn of its own; a speaker's role is the entry's `role` or `title`, else
    what `participants` (`Name--Role`) gives."""
    roles = {}
    for entry in _list(data.get("participants")):
        if isinstance(entry, str) and "--" in entry:
            name, role = (" ".join(part.split()) for part in entry.split("--", 1))
            if _label(name) and role:
                roles.setdefault(_label(name), role)
    pieces: list[Piece] = []
    speakers: dict[str, Speaker] = {}
    for key in _EARNINGS_SECTIONS:
        opened = False
        for i, entry in enumerate(_list(data.get(key))):
            text_key = _earnings_text(entry) if isinstance(entry, dict) else None
            if text_key is None:
                continue
            speaker = _label(entry.get("speaker"))
            own = next((_label(entry.get(k)) for k in ("role", "title") if _label(entry.get(k))), None)
            role = own or roles.get(speaker)
            if speaker and role:
                speakers.setdefault(speaker, Speaker(speaker, role))
            said = bool(entry[text_key].strip())
            pieces.append(Piece(entry[text_key], f"/{key}/{i}/{text_key}", None, None, speaker,
                                new_turn=said and not opened))
            opened = opened or said
    return Found(pieces, Metadata(speakers=speakers or None))


# Conversations: support chats (`{"conversation": [{"role": "agent", "message": ...}]}`), ShareGPT
# (`{"conversations": [{"from": "human", "value": ...}]}`), the OpenAI chat format (`{"messages":
# [{"role": "user", "content": ...}]}`, `content` a string or a list of `{"type": "text", "text"}`
# parts), dialogue datasets (`{"dialogue": [{"speaker": ..., "text": ...}]}`).


def _speaker_key(message: Any) -> str | None:
    """Which of `_MESSAGE_SPEAKERS` a message names its writer in."""
    if not isinstance(message, dict):
        return None
    return next((k for k in _MESSAGE_SPEAKERS if isinstance(message.get(k), str | int)
                 and not isinstance(message.get(k), bool)), None)


def _is_conversation(messages: Any) -> bool:
    """Whether `messages` is a conversation: a list of messages, each naming who wrote it, some with words."""
    return (isinstance(messages, list) and bool(messages) and all(_speaker_key(m) for m in messages)
            and any(_message_texts(m, "") for m in messages))


def _message_texts(message: dict[str, Any], pointer: str) -> list[tuple[str, str]]:
    """A message's words with their pointers: its first of `_MESSAGE_TEXTS` holding a string, or a list
    of parts (strings, or objects with their `text`: the chat format's `{"type": "text", "text": ...}`)."""
    for key in _MESSAGE_TEXTS:
        value = message.get(key)
        if isinstance(value, str):
            return [(value, f"{pointer}/{key}")]
        if isinstance(value, list):
            parts = [(part, f"{pointer}/{key}/{j}") if isinstance(part, str)
                     else (part["text"], f"{pointer}/{key}/{j}/text")
                     for j, part in enumerate(value)
                     if isinstance(part, str) or (isinstance(part, dict) and isinstance(part.get("text"), str))]
            if parts:
                return parts
    return []


def _writer(message: dict[str, Any]) -> str | None:
    """Who wrote a message: its `name` beside a `role` (the chat format's participant), else its
    `speaker`, `from` or `role` as written."""
    if "role" in message and _label(message.get("name")):
        return _label(message["name"])
    key = _speaker_key(message)
    return _label(message.get(key)) if key else None


def _messages(messages: list[Any], pointer: str, new_turn: bool = False) -> list[Piece]:
    """Each message's words a piece (untimed) of its writer; with `new_turn`, the first opens a turn
    (the conversation is one of several)."""
    pieces = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        writer = _writer(message)
        for text, where in _message_texts(message, f"{pointer}/{i}"):
            said = bool(text.strip())
            pieces.append(Piece(text, where, None, None, writer, new_turn=new_turn and said))
            new_turn = new_turn and not said
    return pieces


def _message_roles(messages: list[Any]) -> dict[str, Speaker] | None:
    """Each named writer's `role` (`{"role": "user", "name": "ana"}`: ana, a user)."""
    found: dict[str, Speaker] = {}
    for message in messages:
        if isinstance(message, dict) and "role" in message:
            writer, role = _writer(message), _label(message.get("role"))
            if writer and role and writer != role:
                found.setdefault(writer, Speaker(writer, role))
    return found or None


def _conversation_list(items: list[Any]) -> Found | None:
    """A list of conversations (a chat dataset's records, each with its messages under one of
    `_CONVERSATION_KEYS`), each opening a turn, the title that of the only one; or a bare list of
    messages; else None."""
    if _is_conversation(items):
        return Found(_messages(items, ""), Metadata(speakers=_message_roles(items)))
    keys = []
    for item in items:  # stopping at the first item that is no conversation: a list of words may be long
        key = _conversation_key(item)
        if key is None:
            return None
        keys.append(key)
    if not keys:
        return None
    pieces: list[Piece] = []
    speakers: dict[str, Speaker] = {}
    for c, (record, key) in enumerate(zip(items, keys, strict=True)):
        pieces.extend(_messages(record[key], f"/{c}/{key}", new_turn=True))
        speakers = {**(_message_roles(record[key]) or {}), **speakers}
    title = items[0].get("title") if len(items) == 1 else None
    title = " ".join(title.split()) if isinstance(title, str) and title.strip() else None
    return Found(pieces, Metadata(title=title, speakers=speakers or None))


def _conversation_key(record: Any) -> str | None:
    """Which of `_CONVERSATION_KEYS` holds a record's conversation, else None."""
    if not isinstance(record, dict):
        return None
    return next((key for key in _CONVERSATION_KEYS if _is_conversation(record.get(key))), None)
