"""The service's error hierarchy: the HTTP layer and the CLI map these in one place each."""

from __future__ import annotations


class RagError(Exception):
    """Base of every error the core raises on purpose; its message is shown to users."""


class ConfigError(RagError):
    """A setting has an invalid value."""


class InputError(RagError):
    """A request or a command-line argument is invalid (HTTP 400)."""


class UnprocessableError(RagError):
    """Well-formed input the service cannot use, such as an upload no reader can parse (HTTP 422)."""


class TooLargeError(RagError):
    """An upload over the configured size limit (HTTP 413)."""


class NotFoundError(RagError):
    """An unknown document or passage id (HTTP 404)."""


class CorpusError(RagError):
    """The corpus folder is missing, empty, or holds a file that cannot be read."""


class IndexUnavailableError(RagError):
    """The index is missing, damaged, or was built with other settings."""


class ModelError(RagError):
    """The embedding model cannot be found or fails verification."""


class EncodingUnavailableError(RagError):
    """tiktoken's encoding file is not available offline."""
