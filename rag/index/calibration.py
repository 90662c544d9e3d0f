"""The abstention threshold fitted for an index (`rag eval --calibrate`), stored beside its builds."""

from __future__ import annotations

from pathlib import Path

import msgspec

from rag.errors import IndexUnavailableError
from rag.settings import ChunkSettings

CALIBRATION_FILE = "calibration.json"


class Calibration(msgspec.Struct, frozen=True):
    """A fitted threshold and what it was fitted for (an index's model and chunking)."""

    min_score: float
    model: str
    weights_sha256: str
    chunking: ChunkSettings
    gold: str
    n_answerable: int
    n_unanswerable: int
    abstention_precision: float | None
    abstention_recall: float | None
    wrongly_refused: int
    fitted_at: str
    scale: str | None = None
    """What the threshold applies to (`rag.query.answerability.CONFIDENCE_SCALE` when fitted)."""


def save_calibration(index_dir: Path, calibration: Calibration) -> Path:
    """Write the calibration beside the index builds (replaced atomically)."""
    target = index_dir / CALIBRATION_FILE
    partial = target.with_suffix(".partial")
    partial.write_bytes(msgspec.json.format(msgspec.json.encode(calibration)))
    partial.replace(target)
    return target


def load_calibration(
    index_dir: Path, *, weights_sha256: str, chunking: ChunkSettings, scale: str
) -> Calibration | None:
    """The stored calibration when it was fitted for this model, chunking and confidence `scale`;
    None when there is none."""
    path = index_dir / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        calibration = msgspec.json.decode(path.read_bytes(), type=Calibration)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise IndexUnavailableError(f"{path} is unreadable: {exc}; delete it or run `rag eval --calibrate`") from None
    if calibration.weights_sha256 != weights_sha256 or calibration.chunking != chunking or calibration.scale != scale:
        return None
    return calibration
