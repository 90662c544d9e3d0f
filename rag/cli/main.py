"""Entry point: parse the command line, configure logging, run the command, turn errors into one line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from rag.cli.commands import given
from rag.cli.parser import build_parser
from rag.errors import RagError
from rag.settings import Settings

EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `rag` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return EXIT_USAGE
    _configure_logging(args.verbose)
    try:
        flags = {"docs_dir": getattr(args, "docs", None), "index_dir": getattr(args, "index_dir", None)}
        settings = Settings.from_env().with_overrides(**given(flags))
        run: Callable[[argparse.Namespace, Settings], int] = args.run
        return run(args, settings)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


class _OwnInfoOnly(logging.Filter):
    """Lets through our own records, and other libraries' warnings and errors only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.name == "rag" or record.name.startswith("rag.")


def _configure_logging(verbose: bool) -> None:
    # Libraries speak only when something is wrong. A filter on the handler rather than logger
    # levels, because some set their own level on import (bm25s: DEBUG); the ONNX export alone
    # would otherwise print ~100 lines of quantizer INFO on the root logger.
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_OwnInfoOnly())
        # The exporter's advice to save its export, which `export_onnx` does.
        logging.getLogger("sentence_transformers.backend").setLevel(logging.ERROR)
        # transformers logs through a handler of its own, configured from this variable on import.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
