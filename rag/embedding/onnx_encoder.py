"""Questions embedded with ONNX Runtime and the `tokenizers` library alone.

Answering needs the model's forward pass on a few short texts, mean pooling and normalisation:
nothing of torch, transformers or sentence-transformers, which a serving process then never
imports (they cost seconds at start and hundreds of MiB). The export it reads is the one
`export_onnx` made; the vectors equal sentence-transformers' on the same export to 1e-6 (a test
holds them there).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embedding.models import ResolvedModel
from rag.embedding.onnx_export import ONNX_FILES, disable_onnxruntime_telemetry, session_options
from rag.embedding.pooling import mean_pooled
from rag.errors import ModelError
from rag.settings import EmbedBackend

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_LONGEST = 512
"""BERT's position table: no window is longer."""


class OnnxQuestionEncoder:
    """Unit vectors of short texts from an ONNX export: tokenizer, forward pass, mean pooling."""

    def __init__(
        self, model: ResolvedModel, export_dir: Path, backend: EmbedBackend, threads: int, *, spinning: bool = True,
    ) -> None:
        disable_onnxruntime_telemetry()  # before the import: the library reads it when it loads
        import onnxruntime
        from tokenizers import Tokenizer

        self.model = model
        self.backend = backend
        try:
            self._tokenizer = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
            config = json.loads((export_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
            self._session = onnxruntime.InferenceSession(
                str(export_dir / ONNX_FILES[backend]), session_options(threads, spinning=spinning),
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:
            raise ModelError(f"cannot load the ONNX export in {export_dir} ({backend}): {exc}") from exc
        self.max_seq_length = min(int(config.get("model_max_length") or _LONGEST), _LONGEST)
        """The model's window in wordpieces; longer texts are cut, as sentence-transformers cuts them."""
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        pad = self._tokenizer.padding or {}
        # The export's file pads to a fixed 128; questions are padded to the longest of a batch.
        self._tokenizer.enable_padding(pad_id=int(pad.get("pad_id", 0)), pad_token=str(pad.get("pad_token", "[PAD]")))
        self._inputs = [i.name for i in self._session.get_inputs() if i.name in _INPUTS]
        self.dimension = int(self.embed(["a"]).shape[1])

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (all texts in one call: questions are few)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        inputs = {name: np.asarray(columns[name], dtype=np.int64) for name in self._inputs}
        (tokens,) = self._session.run(["last_hidden_state"], inputs)
        return mean_pooled(tokens, np.asarray(columns["attention_mask"]))
