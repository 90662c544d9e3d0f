"""Charsets other than UTF-8, read as browsers read them (the WHATWG Encoding Standard): a web page
by the charset its `<meta>` declares, an upload by the charset its `Content-Type` names.

A label names a wider encoding than it says where Windows wrote the text: a page or a body said to
be ISO-8859-1 holds cp1252's curly quotes and dashes in the bytes Latin-1 keeps for controls.
"""

from __future__ import annotations

import codecs
import re

# Browsers look for a page's declared charset in its first 1024 bytes (the HTML standard's prescan).
_PRESCAN_BYTES = 1024
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
# `<meta charset="windows-1252">`, or `content="text/html; charset=windows-1252"` beside http-equiv.
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_ASCII_PROBE = "<meta charset="
_AS_BROWSERS_READ = {"iso8859-1": "cp1252", "iso8859-9": "cp1254", "tis-620": "cp874",
                     "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "shift_jis": "cp932",
                     "big5": "big5hkscs"}
_WINDOWS_1252 = {byte: bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(0x80, 0xA0)}


def declared_charset(data: bytes) -> str | None:
    """The charset label a page's `<meta>` declares within its first 1024 bytes, where browsers
    look for it (`<meta charset>`, or `http-equiv="Content-Type"`'s content), lower-cased; None when
    it declares none."""
    head = _COMMENT.sub(b"", data[:_PRESCAN_BYTES])
    for tag in _META.findall(head):
        found = _CHARSET.search(tag)
        if found:
            return found[1].decode("ascii").lower()
    return None


def text_codec(label: str) -> str | None:
    """The Python codec that reads text labelled `label` as browsers read it; None for a label
    Python does not know, one that names no text encoding (`base64`), or UTF-7 (which browsers
    refuse: it can hide markup from filters)."""
    try:
        name = codecs.lookup(label).name
        "".encode(name)  # str.encode refuses the codecs that are no text encodings
    except (LookupError, ValueError):
        return None
    return None if name == "utf-7" else _AS_BROWSERS_READ.get(name, name)


def page_codec(label: str) -> str | None:
    """`text_codec` for a charset a page's `<meta>` declares (ASCII read as windows-1252, as
    browsers read it); None as well for one that does not
    write ASCII as ASCII (UTF-16, EBCDIC): the `<meta>` was read as ASCII, so it is not the page's."""
    codec = text_codec(label)
    if codec is None or _ASCII_PROBE.encode(codec) != _ASCII_PROBE.encode("ascii"):
        return None
    # A page that says ASCII and is not (else it would be valid UTF-8) was written on Windows too.
    return "cp1252" if codec == "ascii" else codec


def decode_as(data: bytes, codec: str) -> str:
    """`data` decoded by `codec` (a `text_codec`); UnicodeDecodeError when they are not in it.
    cp1252 is read as browsers read windows-1252: the five bytes it leaves undefined are Latin-1's
    (a page saying ISO-8859-1 may hold them)."""
    if codec == "cp1252":
        return data.decode("latin-1").translate(_WINDOWS_1252)
    return data.decode(codec)
