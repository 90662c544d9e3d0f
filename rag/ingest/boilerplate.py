"""Recognising what a web clipping wraps around a transcript: page clutter, titles and dates.

Everything here only *classifies* lines; nothing is deleted, so spans into the source stay valid.
"""

from __future__ import annotations

import datetime as dt
import re

_SPACE = r"[\s\u00a0\u3000]"

# Page numbers apart from each other: `(?:\d{1,3}\s*){1,30}` let a long run of digits be split in
# exponentially many ways before failing (32 digits and an `x` took 42 s).
_PAGINATION = re.compile(
    rf"^(?:<|‹|«|Previous|Prev|First)?{_SPACE}*\d{{1,3}}(?:{_SPACE}+\d{{1,3}}){{0,29}}{_SPACE}*(?:>|›|»|Next|Last)?$",
    re.IGNORECASE,
)
# Only symbols and paging words: "More" or "Top" alone can be a whole spoken turn.
_LONE_NAV = re.compile(r"^(?:<|>|‹|›|«|»|Previous|Prev|Next)$")
# Whole-line phrases of comment boxes, share bars, captchas and similar page furniture.
_CLUTTER_PHRASES = re.compile(
    r"""^(?:[•·*\-]\s*)?(?:
        related\ (?:articles|news|stories|posts|content|reading)
      | popular\ (?:articles|news|stories|posts)
      | most\ (?:read|popular|viewed)
      | recommended(?:\ for\ you)?
      | please\ enter\ your\ (?:comment|name|email).*
      | .*captcha.*
      | \d+\s*comments?(?:\(s\))?.*
      | no\ comments\.?
      | add\ your\ comments?.*
      | be\ the\ first\ to\ comment.*
      | leave\ a\ (?:comment|reply).*
      | user\ name(?:\ required)?
      | your\ (?:comment|name|email)(?:\ required)?
      | enter\ the\ words\ you\ see.*
      | racist,\ abusive.*
      | send\ your\ stories.*
      | follow\ .{1,60}\ on\ (?:twitter|facebook|x|weibo|wechat|instagram|linkedin).*
      | .*print\s*e-?mail.*
      | .*bookmark\ and\ share.*
      | share\ (?:this|on|to)\b.*
      | go\ to\ forum.*
      | adjust\ font\ size:?
      | font\ size:?.*
      | undefined
      | subscribe.*
      | sign\ up\ for.*
      | all\ rights\ reserved.*
      | copyright\s*(?:©|\(c\)|\d{4}).*
      | ©.*
      | click\ here.*
      | read\ more\.?
      | scan\ the\ (?:qr\ )?code.*
      | download\ (?:the\ )?app.*
      | (?:back|return|go)\ to\ (?:the\ )?top
      | copy\ (?:to\ clipboard|link)
      | skip\ to\ (?:main\ )?content
      | toggle\ navigation
      | print\ (?:this\ )?page
      | (?:editor|source|photo|video|responsible\ editor)\s*[:：].{0,80}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# After one of these, the rest of the page is comments, teasers or footer.
_END_MARKERS = re.compile(
    r"^(?:related\ (?:articles|news|stories|posts)|popular\ articles|most\ (?:read|popular)|go\ to\ forum.*"
    r"|add\ your\ comments?.*|please\ enter\ your\ comment.*|leave\ a\ (?:comment|reply).*)$",
    re.IGNORECASE | re.VERBOSE,
)
_BREADCRUMB_GLUED = re.compile(r"^Home(?:page)?(?=[A-Z])")
_BREADCRUMB_SEPARATORS = re.compile(r"ㄑ|›|»|>|\||/")
_GLUED_WORDS = re.compile(r"[a-z][A-Z]")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"), ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# English writes the month first too ("March 3, 2021"); the others below put the day first.
_MONTH_FIRST = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# Spanish, French, German, Portuguese and Italian names, as briefings in those languages date
# themselves ("06 de julio de 2022", "1er juillet 2022", "6. Juli 2022"); only full names, so
# that no abbreviation reads as an English word.
_MONTHS |= {
    name: number
    for number, names in enumerate(
        [
            ("enero", "janvier", "januar", "jänner", "janeiro", "gennaio"),
            ("febrero", "février", "fevrier", "februar", "fevereiro", "febbraio"),
            ("marzo", "mars", "märz", "março"),
            ("abril", "avril", "aprile"),
            ("mayo", "mai", "maio", "maggio"),
            ("junio", "juin", "juni", "junho", "giugno"),
            ("julio", "juillet", "juli", "julho", "luglio"),
            ("agosto", "août", "aout"),
            ("septiembre", "setiembre", "septembre", "setembro", "settembre"),
            ("octubre", "octobre", "oktober", "outubro", "ottobre"),
            ("noviembre", "novembre", "novembro"),
            ("diciembre", "décembre", "decembre", "dezember", "dezembro", "dicembre"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DATE_PATTERNS = [
    re.compile(rf"\b{_MONTH_FIRST}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+)(?P<year>(?:19|20)\d\d)\b",
               re.I),
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|º)?\.?\s+(?:de\s+)?{_MONTH}\s*,?\s+(?:de\s+|del\s+)?"
               r"(?P<year>(?:19|20)\d\d)\b", re.I),
    re.compile(r"\b(?P<year>(?:19|20)\d\d)[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})\b"),
    # Chinese, Japanese and Korean: 2019年5月21日, 2019년 5월 21일.
    re.compile(r"(?P<year>(?:19|20)\d\d)\s*[年년]\s*(?P<month>\d{1,2})\s*[月월]\s*(?P<day>\d{1,2})\s*[日일]"),
]
_PARTIAL_DATE = re.compile(rf"\b{_MONTH_FIRST}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!\s*,?\s*(?:19|20)\d\d)", re.I)
_TITLE_SITE_SUFFIX = re.compile(r"\s*[-–—|]\s*[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*\.(?:com|cn|org|net|gov|edu|uk|int)\s*$", re.I)
_TITLE_DATE_SUFFIX = re.compile(r"\s*\|\s*[^|]*$")
_SENTENCE_END = re.compile(r"[.!?。！？\"”’)\]]$")


# The line a transcription service signs its export with ("Transcribed by https://otter.ai").
_EXPORT_FOOTER = re.compile(
    r"^(?:auto-?)?transcri(?:bed|ption|pt)\s+(?:(?:generated|created|made|powered)\s+)?(?:by|with|using)\s+"
    r"(?:https?://\S+|otter(?:\.ai)?|rev(?:\.com)?|descript|sonix(?:\.ai)?|trint|temi(?:\.com)?|happy\s?scribe"
    r"|fireflies(?:\.ai)?|tactiq(?:\.io)?|notta(?:\.ai)?|whisper)\.?$",
    re.IGNORECASE,
)


def is_export_footer(line: str) -> bool:
    """True for a stripped line that signs a transcription service's export, not anyone's words."""
    return _EXPORT_FOOTER.match(line) is not None


def is_clutter(line: str) -> bool:
    """True for a stripped line that is page furniture, not transcript."""
    if _PAGINATION.match(line) or _LONE_NAV.match(line) or is_export_footer(line):
        return True
    words = line.split()
    # The length cap keeps a real paragraph that happens to start like page furniture.
    if len(words) <= 20 and _CLUTTER_PHRASES.match(line):
        return True
    if _BREADCRUMB_GLUED.match(line):
        return True
    if len(words) <= 12 and len(_BREADCRUMB_SEPARATORS.findall(line)) >= 2 and not _SENTENCE_END.search(line):
        return True
    # Navigation menus copied as one run of glued words ("Send your storiesGet more fromMobileRSS").
    # A label line ("Mr. X (KamloopsThompsonCariboo, CPC):") is never a menu.
    if line.endswith((":", "：")) or _SENTENCE_END.search(line):
        return False
    return len(_GLUED_WORDS.findall(line)) >= 3 and len(words) <= 20


def is_end_marker(line: str) -> bool:
    """True when the article is over: what follows is comments, teasers and footer."""
    return bool(_END_MARKERS.match(line))


def is_title_like(line: str) -> bool:
    """A short line without closing punctuation: a headline rather than a paragraph."""
    words = line.split()
    # "hello everyone and welcome to ..." is the first line of what was said, not a headline.
    opens = line.lstrip()[:1]
    return (2 <= len(words) <= 30 and not _SENTENCE_END.search(line) and not line.endswith((":", "："))
            and not opens.islower())


def clean_title(line: str) -> str:
    """Drop a trailing `| date` or `- site.com` from a headline (metadata only, never a span)."""
    title = line
    if find_full_date(title) and "|" in title:
        title = _TITLE_DATE_SUFFIX.sub("", title)
    return _TITLE_SITE_SUFFIX.sub("", title).strip()


_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"')\]]+", re.IGNORECASE)


def find_full_date(text: str) -> tuple[str, str] | None:
    """The first date with a year in `text`, as (ISO date, text as written); not one inside a web
    address (`https://example.org/2025/09/08/part-1/` dates the page it links to)."""
    found: list[tuple[int, str, str]] = []
    if "://" in text:
        text = _URL.sub(lambda url: " " * len(url.group()), text)
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            iso = _iso(match)
            if iso:
                found.append((match.start(), iso, match.group(0)))
                break
    return min(found)[1:] if found else None


def find_partial_date(text: str) -> str | None:
    """A month and day without a year ("September 8"), as written; no year is guessed."""
    for match in _PARTIAL_DATE.finditer(text):
        if 1 <= int(match.group("day")) <= 31:
            return match.group(0)
    return None


def _iso(match: re.Match[str]) -> str | None:
    month_text = match.group("month")
    month = int(month_text) if month_text.isdigit() else _MONTHS[month_text.lower().rstrip(".")]
    try:
        return dt.date(int(match.group("year")), month, int(match.group("day"))).isoformat()
    except ValueError:
        return None
