"""What a speaker label looks like: a name (with a role), a person, a journalist's question label."""

from __future__ import annotations

import re

from rag.ingest.names import speaker_key
from rag.types import TurnKind

_CONNECTORS = frozenset("of the and for on de da di van von der den al el bin ap la le du y del dos das".split())
_NAME_CHARS = re.compile(r"^[^\W\d_][\w\u0300-\u036f .'’\-&/]*$")  # combining accents: names in NFD (macOS) form
_BILL = re.compile(r"^(?:H\.\s?R|S|H\.\s?(?:J\.\s?|Con\.\s?)?Res|S\.\s?(?:J\.\s?|Con\.\s?)?Res)\.\s?\d+$")
_NOT_PERSON = frozenset(
    "the this that these those in on at a an it we they he she our there here today yesterday like just what who "
    "when where why how if because everyone everybody nobody someone somebody people".split()
)
# "Like I've said", "As you said": a pronoun is in no one's name.
_PRONOUN = re.compile(r"^(?:i|me|you|us|him|her|them|he|she|we|they|it|(?:i|we|you|he|she|they|it)['’](?:ve|m|re|d|ll|s))$",
                      re.IGNORECASE)
# "Yes. As said": a word ending a sentence is in no one's name; an honorific or an initial may be.
_NAME_ABBREVIATION = re.compile(r"^(?:[A-Z]|(?i:Mr|Mrs|Ms|Dr|Prof|St|Sr|Jr|Gen|Col|Lt|Capt|Gov|Sen|Rep|Hon|Rev|Fr))\.$")
# Discourse words that open a sentence with a comma or colon ("First, we will:").
_NOT_A_NAME = frozenset(
    "first second third fourth fifth sixth seventh eighth ninth tenth next finally lastly also however "
    "moreover furthermore meanwhile therefore thus secondly thirdly firstly note example for so and but "
    "yes no well now then here there in on at as to".split()
) | {f"{word}{mark}s" for word in ("here", "there", "that", "it", "let", "what", "who") for mark in "'’"}
"""Discourse words that open a sentence with a comma or colon ("First, we will:"); "Here's Armin
Ronacher:" introduces a quote."""
_MEDIA_WORDS = re.compile(
    r"\b(?:news|agency|media|group|tv|television|radio|daily|times|post|press|journal|network|broadcast\w*"
    r"|magazine|newspaper|reporter|journalist|correspondent|xinhua|cctv|cgtn|reuters|bloomberg|afp|bbc|cnn|nhk"
    r"|kyodo|tass|phoenix|outlet|herald|tribune|gazette|channel|weekly|audience|questioner)\b",
    re.IGNORECASE,
)
_QUESTION_LABELS = frozenset({"q", "question", "questions", "some media", "問", "问", "記者", "记者", "提問", "提问"})
# The marks of a talk's questions from the floor and their answers, as translations write them
# (Chinese `问：`/`答：`, Spanish `P:`/`R:`): read so only where a talk's front matter names its one
# speaker and no other label is used (`rag/ingest/text.py`), since `P:` or `R:` may be anyone's initial.
QUESTION_MARKS = frozenset({"Q", "问", "問", "提问", "提問", "P", "Pregunta", "Question"})
ANSWER_MARKS = frozenset({"A", "答", "回答", "R", "Respuesta", "Answer"})


# `(Dover) (Con)`: each group's words; only when the groups are all there is (nothing between them).
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_GROUPS_ONLY = re.compile(r"(?:\s*\([^()]*\))+")


_OFFICE = re.compile(r"^The\s+[A-Z]")


def split_name_role(label: str) -> tuple[str, str | None]:
    """A label's name and role: `Name (Role)` or `Name, Role`; several groups, as Hansard writes a
    member's constituency and party (`Jane Smith (Dover) (Con)`), make one role: `Dover, Con`."""
    label = label.strip()
    paren = label.find("(")
    comma = label.find(",")
    if paren > 0 and (comma < 0 or paren < comma) and label.endswith(")"):
        tail = label[paren:]
        groups = _PARENTHESISED.findall(tail) if _GROUPS_ONLY.fullmatch(tail) else []
        role = ", ".join(g.strip() for g in groups if g.strip()) if groups else label[paren + 1 : -1].strip()
        name = label[:paren].strip()
        if _OFFICE.match(name) and len(groups) <= 1 and is_person_like(role):
            # Hansard names an office, then who holds it: `The Prime Minister (Boris Johnson):` is Boris Johnson.
            return role, name
        return name, role or None
    if comma > 0:
        return label[:comma].strip(), label[comma + 1 :].strip() or None
    return label, None


def is_name_like(name: str) -> bool:
    """Looks like a name: a few capitalised words (connectors such as "of" or "van" allowed); not a
    bill's number (`H.R. 17: Mr. Smith of Texas.` lists a bill's sponsors in the Congressional Record)."""
    words = name.split()
    if not 1 <= len(words) <= 8 or len(name) > 80 or not _NAME_CHARS.match(name) or _BILL.match(name):
        return False
    if words[0].lower() in _NOT_A_NAME or (words[-1].lower() in _CONNECTORS and len(words) > 1):
        return False
    if is_caseless_name(name):
        return True
    return all(w.lower() in _CONNECTORS or any(c.isupper() for c in w) or w.isdigit() for w in words)


_CASELESS_WORD = re.compile(r"^[^\W\d_]{1,12}$")
# "她補充說：", "他表示：": who says, introducing a quote, is no label.
_SAYS = ("說", "说", "道", "表示", "指出", "稱", "称", "認為", "认为", "強調", "强调", "問道", "问道")


def is_caseless_name(name: str) -> bool:
    """A label in a script without capitals (Chinese `記者`, `任正非`, Japanese `司会`, Arabic): a
    word or a few of letters alone. Capitals tell a name from a sentence's first words in Latin
    script; here nothing does, so the parser takes such a label only where the file uses it on two
    or more lines (`rag/ingest/text.py`)."""
    words = name.split()
    return (1 <= len(words) <= 4 and all(_CASELESS_WORD.match(w) for w in words)
            and not any(c.isupper() or c.islower() for c in name) and not name.endswith(_SAYS))


_ROLE_WORD = re.compile(r"^[^\W\d_][^\W\d_'’\-]*$")


def is_role_like(name: str) -> bool:
    """A role written in sentence case, as a name would not be: `Harbour master`, `Audience member`,
    `Unidentified speaker`. The parser takes it as a label only where the file uses it on two or
    more lines (`rag/ingest/text.py`): once, "Key point: ..." reads the same way."""
    words = name.split()
    if not 2 <= len(words) <= 3 or not words[0][:1].isupper():
        return False
    first = words[0].lower()
    if first in _NOT_A_NAME or first in _NOT_PERSON or first in METADATA_LABELS:
        return False
    return all(_ROLE_WORD.match(w) for w in words) and all(w.islower() for w in words[1:])


def is_bare_label(label: str) -> bool:
    """A label with no comma-separated role (a role in parentheses is fine)."""
    return "," not in label.split("(", 1)[0]


def is_person_like(name: str) -> bool:
    """A name that is a person's, not a media outlet's or a sentence opener's."""
    words = name.split()
    return (is_name_like(name) and words[0].lower() not in _NOT_PERSON and not _MEDIA_WORDS.search(name)
            and not any(_PRONOUN.match(word) for word in words)
            and all(_NAME_ABBREVIATION.match(word) for word in words[:-1] if word.endswith(".")))


def is_comma_role(name: str, role: str) -> bool:
    """Whether `Name, role` can be a person and their role, not a sentence that opens with a word and
    a comma ("That, notwithstanding any Standing Order", "Presidente, yo le quiero pedir dos cosas",
    "Ви, мабуть, помічали"): a person's name, and a role in lower case is a few words (`host`,
    `deputy director`) with no comma of its own; a capitalised role may run on (`Member of ...`)."""
    if not (is_person_like(name) or (is_name_like(name) and _MEDIA_WORDS.search(name))):
        return False
    words = role.split()
    if _CLAUSE.search(role) or _SENTENCE_INSIDE.search(role):
        return False
    return any(word[:1].isupper() for word in words) or (len(words) <= _MAX_LOWER_ROLE_WORDS and "," not in role)


_MAX_LOWER_ROLE_WORDS = 4
_MAX_TITLE_WORDS = 8


def is_title_role(role: str) -> bool:
    """A role written as a title or a credential (`Psy.D`, `PhD`, `BYLINE`, `Host`, `Director of
    Public Health`): capitalised words, connectors between them; not a clause ("one more thing",
    "Lamm's research says")."""
    words = role.split()
    return (1 <= len(words) <= _MAX_TITLE_WORDS and words[0][:1].isupper() and not _CLAUSE.search(role)
            and all(w[:1].isupper() or w.lower() in _CONNECTORS or w[:1] in "(&" for w in words))
# A role after a comma names an office ("Jane Doe, Director of Public Health"), it says nothing:
# "Brazil, I will say the following here:" is a clause.
_CLAUSE = re.compile(r"\b(?:I|we|you|he|she|they|it|will|would|shall|is|are|was|were|have|has|had)\b")
_SENTENCE_INSIDE = re.compile(r"\b[a-z]{2,}[.?!]\s")


_MAX_ASKER_WORDS = 6
# Who opens "X asked, ...": no one a sentence's subject names ("A Hoosier constituent of mine
# recently asked, why ..."): an indefinite or possessive opening, a pronoun or an adverb in it.
_NOT_AN_ASKER = frozenset("a an my our your his her their its one someone somebody many some".split())
_ASKER_WORD_AFTER = re.compile(
    r"^(?:mine|ours|yours|theirs|recently|once|then|also|again|often|later|finally|who|that|which)$", re.IGNORECASE)


def is_asker(label: str) -> bool:
    """Whether the words before `asked` name who asked, as a label does: a person (`Zhang Wei`), a
    media outlet or questioner (`Reuters`, `Some media`), a role (`The reporter`, `Harbour
    master`); not a sentence's subject ("A Hoosier constituent of mine recently", "My son")."""
    words = label.split()
    if not 1 <= len(words) <= _MAX_ASKER_WORDS or any(_PRONOUN.match(w) or _ASKER_WORD_AFTER.match(w) for w in words):
        return False
    if _MEDIA_WORDS.search(label) or speaker_key(label) in _QUESTION_LABELS:
        return True
    if words[0].lower() in _NOT_AN_ASKER:
        return False
    if words[0] == "The" and len(words) > 1:
        # `The reporter`, `The Chairman`: a role after "The".
        rest = words[1:]
        return rest[0].lower() not in _NOT_PERSON and (
            is_name_like(" ".join(rest)) or (len(rest) <= 2 and all(w.isalpha() and w.islower() for w in rest)))
    return is_person_like(label) or is_role_like(label)


SEGMENT_MARKERS = frozenset(
    ["break", "ad break", "sponsor break", "mid-roll", "midroll", "pre-roll", "preroll", "ad", "ads", "ad read",
     "sponsor", "sponsors", "sponsored", "commercial", "commercial break", "jingle", "intro", "outro", "music",
     "theme music", "intro music", "outro music", "interlude"]
)
"""A show's parts set as labels (`**Break:**`, `**Jingle:**`, `**Outro:**`): what is heard there is no one's
turn, as `[Music]` is not."""
_SEGMENT_WORDS = frozenset("break intro outro jingle music sponsor".split())


def is_segment_marker(name: str) -> bool:
    """A show's part named before a colon (`Break`, `Jingle`, `Old Changelog Intro`), no speaker."""
    key = " ".join(name.lower().split())
    words = key.split()
    return key in SEGMENT_MARKERS or (1 < len(words) <= 3 and words[-1] in _SEGMENT_WORDS
                                      and all(w[:1].isupper() for w in name.split()))


def is_caps_name(name: str) -> bool:
    """An all-capitals label of a few words (`MR. SMITH`, `Q`)."""
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 1 and all(c.isupper() for c in letters) and len(name.split()) <= 5


def turn_kind(name: str) -> TurnKind:
    """A question when the label names a questioner or a media outlet, else speech."""
    if speaker_key(name) in _QUESTION_LABELS or _MEDIA_WORDS.search(name):
        return TurnKind.QUESTION
    return TurnKind.SPEECH


# The label shapes of web and meeting transcripts: alone on a line (`Zhu Bing:`), inline
# (`Peng Jiaxue, Member of ...: “...”`), asked (`Reuters asked: ...`), reported speech
# (`Wang Hong, deputy director ..., said that ...`), and speakers lists (`Speakers:` then
# `Name, role` lines), besides metadata blocks (`Date:`) that look like labels but are not.
ALONE_LABEL = re.compile(r"^(?P<label>[^:：]{1,160}?)\s*[:：]$")
# Chinese and Japanese set no space after their colon; a tight ASCII colon before a letter
# (`B:Das sind`) is taken only for a label in capitals or one the file repeats (`is_tight`).
INLINE_LABEL = re.compile(r"^(?P<label>[^:：“”\"]{1,300}?)\s*(?:[:：]\s+|：|:(?=[^\W\d_]))(?=\S)")


def _has_colon(text: str) -> bool:
    # Every label wants a colon, and most lines of a transcript have none: a scan for one is far
    # cheaper than a label pattern failing (about 30 are tried on each line).
    return ":" in text or "：" in text


def inline_label(text: str) -> re.Match[str] | None:
    """`INLINE_LABEL`'s match at the start of `text`, if any."""
    return INLINE_LABEL.match(text) if _has_colon(text) else None


def alone_label(text: str) -> re.Match[str] | None:
    """`ALONE_LABEL`'s match of `text` (a label alone on its line), if any."""
    return ALONE_LABEL.match(text) if _has_colon(text) else None


def opening_label(text: str) -> re.Match[str] | None:
    """The label opening a line: with words after it (`INLINE_LABEL`) or alone (`ALONE_LABEL`; the
    two never both match, one wants words after the colon, the other the line's end)."""
    if not _has_colon(text):
        return None
    return INLINE_LABEL.match(text) or ALONE_LABEL.match(text)


ASKED = re.compile(r"^(?P<label>[A-Z][^:：.?!]{0,60}?)\s+(?:asked|questioned|inquired)\s*[:：,]\s*")
REPORTED = re.compile(
    r"^(?P<name>[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*){1,4})"
    r"(?:,\s+(?P<role>[^“”\"\n:：]{3,300}?),)?"
    r"\s+(?:also\s+|further\s+|then\s+)?"
    r"(?:said|says|revealed|noted|added|stated|stressed|emphasized|emphasised|explained|told|pointed\s+out"
    r"|remarked|announced|replied|responded|answered|introduced)\b"
)
ROSTER_ENTRY = re.compile(r"^(?P<name>[^,:：]{2,60}?)(?:,|\s+(?:-{2,}|–|—))\s+(?P<role>[^:：]{3,300})$")
LIST_HEADINGS = frozenset(
    ["speakers", "participants", "attendees", "panelists", "panellists", "in attendance", "presiding", "present",
     "members present", "also present", "senate members present", "assembly members present", "roundtable participants",
     "public hearing", "witnesses", "appearances", "call participants"]
)
"""Roster words that head a list (a page header of a hearing), never a speaker's turn; "Chair:" or
"Moderator:" alone on a line may be either."""
ROSTER_LABELS = LIST_HEADINGS | frozenset(
    "speaker guests chairperson chairman chairwoman chair moderator moderators host hosts presenter presenters "
    "interviewer interviewees interviewee".split()
)
"""Labels a speakers list may open with: the list headings, and the roles a roster names."""
EDITORIAL_LABELS = frozenset(
    ["note", "notes", "update", "updated", "correction", "clarification", "source", "sources", "summary",
     "background", "warning", "disclaimer", "transcript", "related", "editor's note", "editor’s note",
     "read more", "see also"]
)
"""Words a page sets in bold before a colon that name no one (`<b>Note:</b>`, `<b>Update:</b>`)."""
SECTION_HEADINGS = frozenset(
    ["prepared remarks", "questions & answers", "questions and answers", "question and answer session",
     "question-and-answer session", "q&a", "q & a", "presentation", "opening remarks", "closing remarks",
     "transcript", "full transcript", "corporate participants", "conference call participants"]
)
"""Headings a transcript's parts carry before a colon (an earnings call's `Prepared Remarks:`), never a speaker."""
METADATA_LABELS = frozenset(
    "date time location venue place tags keywords category published updated posted subject topic duration "
    "language contact attachments name age gender sex occupation profession nationality email phone address "
    "education".split()
)


# The fields a Chinese or Japanese transcript opens with, one to a line (`主题：...`, `时间：2019年5月21日`,
# `地点：...`, `主持人：张三`, as translated talks, 访谈 and 会议纪要 write them; `日時：`, `場所：`, `司会：` in
# Japanese minutes), each key with what it gives: the title, the date, or nothing but a header line.
_CJK_TITLE_KEYS = ("主题 主題 题目 題目 标题 標題 话题 話題 议题 議題 会议主题 會議主題 演讲主题 演講主題 讲题 講題 演題 "
                   "テーマ タイトル 会議名")
_CJK_DATE_KEYS = "时间 時間 日期 日時 日付 会议时间 會議時間 开会时间 開會時間 开始时间 開催日 開催日時 录制时间 錄製時間"
_CJK_OTHER_KEYS = ("地点 地點 位置 场所 場所 会场 會場 会议地点 會議地點 开会地点 開會地點 開催場所 会議室 "
                   "幻灯片 投影片 演示文档 论文 論文 来源 來源 链接 鏈接 原文 视频 視頻 スライド")
# Who hosts, speaks, attends or took the notes: header fields at the top, and yet `主持人：` or `司会：` labels
# what the host says everywhere below; so a field only with names after it, in a block that holds another.
_CJK_PEOPLE_KEYS = ("主持人 主持 司会 司会者 嘉宾 嘉賓 主讲人 主講人 主讲 主講 演讲者 演講者 讲者 講者 发言人 發言人 発表者 "
                    "参会人员 參會人員 参会者 參會者 与会人员 與會人員 出席人员 出席人員 出席者 参加者 記録者 记录人 記錄人 记录 記錄 "
                    "整理 整理人 翻译 翻譯 译者 譯者 速记 速記 访谈人 訪談人 采访人 採訪人 受访人 受訪人 受访者 受訪者")
CJK_HEADER_KEYS: dict[str, str] = {
    **{key: "title" for key in _CJK_TITLE_KEYS.split()},
    **{key: "date" for key in _CJK_DATE_KEYS.split()},
    **{key: "other" for key in _CJK_OTHER_KEYS.split()},
    **{key: "people" for key in _CJK_PEOPLE_KEYS.split()},
}
"""Header keys of Chinese and Japanese transcripts and the kind of each: `title`, `date`, `other`, `people`."""


# Conventions the seeds do not show, each tried on public transcripts:
# White House / State Department briefings: a reporter's question is a paragraph opening `Q `.
QUESTION_PARAGRAPH = re.compile(r"^Q(?:\.|\s+[-–—])?\s+(?=[\w\"“‘(])")
# Court and deposition transcripts: `Q.` and `A.` lines (answers only where questions are so marked).
ANSWER_PARAGRAPH = re.compile(r"^A(?:\.|\s+[-–—])\s+(?=[\w\"“‘(])")
# Hearings and floor debates: `Senator Smith. Thank you.`, `Chairman SMITH.`, `Mr. BROWNBACK.`,
# `The PRESIDING OFFICER.` A period ends the label, then the words begin.
# A name's word; "Mrs. St. John" is a name with an abbreviation in it, not the label "Mrs. St".
_LABEL_WORD = r"(?!(?:St|Ste|Mt|Ft)\.)[A-Z][A-Za-z'’\-]+"
HEARING_LABEL = re.compile(
    r"^(?P<label>(?:(?:The\s+)?(?:Mr\.|Mrs\.|Ms\.|Dr\.|Senator|Chairman|Chairwoman|Chair|Representative|"
    rf"Secretary|Ambassador|Madam\s+Chair(?:man|woman)?)\s+{_LABEL_WORD}(?:\s+(?:of\s+)?{_LABEL_WORD}){{0,2}})"
    r"|The\s+[A-Z]{2,}(?:\s+[A-Z]{2,}){0,2})"
    # Who holds the chair just now: `The PRESIDING OFFICER (Mr. Kyl).`
    r"(?:\s+\([^()\n]{1,40}\))?\.\s+(?=[\w\"“‘(])"
)


# The number of an oral question before its asker's label (`1. Mr David Hanson (Delyn) (Lab):`).
QUESTION_NUMBER = re.compile(r"\d{1,3}\.(?:\s+|$)")


def is_tight(label: re.Match[str]) -> bool:
    """Whether an `INLINE_LABEL` match has no space after an ASCII colon (`B:Das sind`)."""
    return label.group().endswith(":")


# Interview notes: a short label and a dash open the line (`I – Hi!`, `C - You're welcome.`).
DASH_LABEL = re.compile(r"^(?P<label>[A-Z][\w.]{0,15}(?: [A-Z][\w.]{0,15})?)\s+[-–—]\s+(?=\S)")


def hearing_label(line: str) -> str | None:
    """The label of a hearing-style line (`Senator Smith. Thank you.`), None when it has none."""
    match = HEARING_LABEL.match(line)
    return " ".join(match["label"].split()) if match else None


def is_shouted(label: str) -> bool:
    """Congressional style: the surname (or office) in capitals, which no sentence opener has."""
    return any(len(word) >= 2 and word.isupper() and word.isalpha() for word in label.split()[1:] + label.split()[:1])
