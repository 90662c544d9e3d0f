"""A value of the wrong kind where a shape needs a list, an object or a time, and how a refusal
names it: the value's JSON pointer, what was expected, what was found."""

from __future__ import annotations

from typing import Any


class Malformed(Exception):
    """A value of the wrong kind where a shape needs a list, an object or a time. `pointer` is where
    (None when the code that met it does not know: found afterwards by the value itself)."""

    def __init__(self, pointer: str | None, expected: str, value: Any, shape: bool = False) -> None:
        super().__init__(pointer, expected)
        self.pointer, self.expected, self.value = pointer, expected, value
        self.shape = shape
        """Whether the value decides the file's shape, which it then has none of."""


def described(exc: Malformed, data: Any) -> str:
    """`pointer: expected ..., found ...` for a malformed value."""
    pointer = exc.pointer if exc.pointer is not None else pointer_to(data, exc.value)
    said = f"{pointer or '/'}: expected {exc.expected}, found {_kind(exc.value)}"
    return f"JSON of no known shape: {said}" if exc.shape else said


def _kind(value: Any) -> str:
    """What a JSON value is, as a refusal names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**15:
        return f"a number of {len(str(abs(value)))} digits"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "a string"
    return "an object" if isinstance(value, dict) else "a list"


def pointer_to(data: Any, target: Any) -> str | None:
    """The JSON pointer of the value that is `target` itself (the same object) in `data`, else None.
    A stack, not recursion: the file decides the depth."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        pointer, value = pending.pop()
        if value is target:
            return pointer
        if isinstance(value, dict):
            pending.extend((f"{pointer}/{_escaped(str(k))}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            pending.extend((f"{pointer}/{i}", v) for i, v in reversed(list(enumerate(value))))
    return None


def _escaped(key: str) -> str:
    """A key as a JSON pointer writes it (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def as_list(value: Any, pointer: str, expected: str) -> list[Any]:
    """`value` as a list: itself, or no items for null (a field left empty); Malformed for anything else."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise Malformed(pointer, expected, value)
