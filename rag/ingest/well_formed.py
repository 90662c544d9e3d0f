"""Whether an XML transcript is well-formed, as XML parsers read it.

Readers that cite characters find a file's pieces with a lenient parser that would read on past
an error; expat says where the file stops being XML, so such a file is refused naming the line.
"""

from __future__ import annotations

from xml.parsers import expat

from rag.errors import CorpusError


def check_well_formed(doc_id: str, text: str, format_name: str) -> None:
    """CorpusError naming the line where `text` stops being well-formed XML, or declares an entity
    (`format_name` files declare none)."""
    parser = expat.ParserCreate()

    def no_entities(*_: object) -> None:
        # An entity declared in a doctype would be expanded by XML readers and not by the reader
        # of characters: the two would disagree about the text.
        raise CorpusError(f"{doc_id}: line {parser.CurrentLineNumber}: declares an XML entity; "
                          f"{format_name} files declare none")

    parser.EntityDeclHandler = no_entities
    try:
        parser.Parse(text, True)
    except expat.ExpatError as exc:
        raise CorpusError(f"{doc_id}: line {exc.lineno}: not well-formed XML "
                          f"({expat.ErrorString(exc.code)}, column {exc.offset + 1})") from None
    except (UnicodeError, ValueError) as exc:
        raise CorpusError(f"{doc_id}: cannot be read as XML ({exc})") from None
