"""Column primitives: variable-length rows (CSR), string tables, and read-only memory maps of .npy files."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class Ragged:
    """Variable-length rows stored flat (CSR): row i is `values[offsets[i]:offsets[i + 1]]`."""

    def __init__(self, offsets: np.ndarray, values: np.ndarray) -> None:
        if offsets.ndim != 1 or len(offsets) == 0 or offsets[-1] != len(values):
            raise ValueError("ragged array: offsets do not match the values")
        self.offsets = offsets
        self.values = values

    def __len__(self) -> int:
        """Number of rows."""
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> np.ndarray:
        """Row `row` as a read-only view of the values (no copy)."""
        return self.values[self.offsets[row] : self.offsets[row + 1]]

    def rows_with_any(self, hit: np.ndarray, first: int = 0, stop: int | None = None) -> np.ndarray:
        """A boolean per row of `[first, stop)`: True where some value of the row is marked in `hit`.

        `hit` is a boolean per value of those rows (`values[offsets[first]:offsets[stop]]`).
        """
        stop = len(self) if stop is None else stop
        bounds = np.asarray(self.offsets[first : stop + 1]) - self.offsets[first]
        # Counting hits with a running sum answers "any hit in the row" for every row at
        # once, empty rows included, without a Python loop.
        running = np.concatenate(([0], np.cumsum(hit, dtype=np.int64)))
        return running[bounds[1:]] > running[bounds[:-1]]


class StringTable:
    """Strings stored as one UTF-8 blob and offsets; `table[i]` decodes string i."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray) -> None:
        self._encoded = Ragged(offsets, blob)

    def __len__(self) -> int:
        """Number of strings."""
        return len(self._encoded)

    def __getitem__(self, i: int) -> str:
        """String `i`, decoded from the blob."""
        return self._encoded[i].tobytes().decode("utf-8")

    def to_list(self) -> list[str]:
        """Every string, decoded (for the small tables: names and roles)."""
        return [self[i] for i in range(len(self))]


def offsets_of(counts: Sequence[int]) -> np.ndarray:
    """CSR row offsets (n + 1 entries) for rows of these lengths."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return offsets


def write_strings(folder: Path, name: str, strings: list[str]) -> None:
    """Write `strings` as the string table `name` (`<name>_blob.npy`, `<name>_offsets.npy`)."""
    encoded = [s.encode("utf-8") for s in strings]
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    np.save(folder / f"{name}_blob.npy", blob, allow_pickle=False)
    np.save(folder / f"{name}_offsets.npy", offsets_of([len(b) for b in encoded]), allow_pickle=False)


def map_array(path: Path, *, random_access: bool = False) -> np.ndarray:
    """A read-only array over the pages of the .npy file at `path`: nothing is read until
    touched, and what is touched can be paged out again.

    A plain ndarray, not np.memmap, whose Python-level __getitem__ and __array_wrap__ make
    every scalar read several times slower. `random_access` turns the kernel's read-ahead
    off: rows read one by one at random places (sentence vectors) would otherwise pull in the
    neighbouring 128 KiB with each, filling the page cache and VmRSS with rows nobody asked for.
    """
    with path.open("rb") as file:
        version = np.lib.format.read_magic(file)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(file)
        offset = file.tell()
        if dtype.hasobject:
            raise ValueError(f"{path} holds Python objects, which are never loaded")
        pages = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    if random_access:
        pages.madvise(mmap.MADV_RANDOM)
    return np.ndarray(shape, dtype=dtype, buffer=pages, offset=offset, order="F" if fortran_order else "C")


def column(folder: Path, name: str) -> np.ndarray:
    """The memory-mapped column `<name>.npy` of `folder`."""
    return map_array(folder / f"{name}.npy")


def strings(folder: Path, name: str) -> StringTable:
    """The string table `name` of `folder`."""
    return StringTable(column(folder, f"{name}_blob"), column(folder, f"{name}_offsets"))
