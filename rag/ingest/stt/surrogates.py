"""Lone UTF-16 surrogates that JSON escapes can write, replaced before they reach the index."""

from __future__ import annotations

import re
from typing import Any

# A UTF-16 surrogate written as a JSON escape: half an emoji (`"\ud83d"`) decodes to a string no
# UTF-8 can hold, which failed later, when the index was written.
SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def without_lone_surrogates(data: Any) -> Any:
    """`data` with each string's lone surrogates as U+FFFD, one character for one, so offsets hold."""
    def fixed(value: str) -> str:
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")

    if isinstance(data, str):
        return fixed(data)
    root = [data]
    pending: list[Any] = [root]
    while pending:  # a stack, not recursion: the file decides the depth
        container = pending.pop()
        keys = range(len(container)) if isinstance(container, list) else list(container)
        for key in keys:
            value = container[key]
            if isinstance(value, str):
                container[key] = fixed(value)
            elif isinstance(value, dict | list):
                pending.append(value)
        if isinstance(container, dict):
            for key in [k for k in container if isinstance(k, str) and _has_surrogate(k)]:
                container[fixed(key)] = container.pop(key)
    return root[0]


def _has_surrogate(value: str) -> bool:
    """Whether `value` holds a lone surrogate (a key written with one: keys are strings too)."""
    return any("\ud800" <= character <= "\udfff" for character in value)
