"""Rich Text Format (`.rtf`): court reporters' transcripts (CaseCATalyst, Eclipse and most
stenography software export RTF) and what macOS TextEdit and WordPad save.

The file's text is what striprtf renders: control words and groups that are not text (font and
colour tables, document information, headers, footers, footnotes, pictures) left out, `\\par`
and `\\line` a new line, `\\tab` a tab, `\\'hh` and `\\uN` the characters they stand for. That
rendering is read as a `.txt` is (labels, `Q.`/`A.`, line numbers, stamps), and each piece of it
points back at its line: `line=N`, counted from 1, the Nth line of that rendering (a paragraph of
the document, or a line a `\\line` breaks).

An RTF file is 7-bit text whose other characters are escaped; bytes above 127 written as they are
(some tools do) are read as UTF-8 when they are, else in the file's `\\ansicpg` code page
(Windows-1252 when it names none), the code page its `\\'hh` escapes are read in too.
"""

from __future__ import annotations

import codecs
import re

from striprtf.striprtf import rtf_to_text

from rag.errors import CorpusError

SUFFIX = ".rtf"
MEDIA_TYPES = ("application/rtf", "text/rtf", "application/x-rtf", "text/richtext")
_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
# RTF code pages Python names otherwise than cpN.
_CODE_PAGE_NAMES = {10000: "mac_roman", 10001: "shift_jis", 10007: "mac_cyrillic", 65001: "utf-8"}
_DEFAULT_CODE_PAGE = "cp1252"


def rtf_text(doc_id: str, data: bytes) -> str:
    """The lines of an RTF document's text; CorpusError when the file is not RTF."""
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf"):
        raise CorpusError(f"{doc_id}: not an RTF document (it should open with {{\\rtf)")
    codec = _code_page(data[:4096])
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        source = data.decode(codec, errors="replace")
    # `errors="replace"`: an escape of a byte the code page leaves undefined is no reason to set
    # the whole transcript aside; the rendering is what citations count in, whatever it holds.
    rendering = rtf_to_text(source, encoding=codec, errors="replace")
    return rendering.replace("\r\n", "\n").replace("\r", "\n")


def _code_page(head: bytes) -> str:
    """The Python codec of the file's `\\ansicpg`, Windows-1252 when it names none Python knows."""
    match = _CODE_PAGE.search(head)
    if match is None:
        return _DEFAULT_CODE_PAGE
    number = int(match[1])
    name = _CODE_PAGE_NAMES.get(number, f"cp{number}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return _DEFAULT_CODE_PAGE
