"""The `rag` command line: a thin shell over the service; errors become one-line messages."""

from rag.cli.main import main
from rag.cli.output import format_answer

__all__ = ["format_answer", "main"]
