"""Dense text embeddings: the ``Embedder`` protocol and all-MiniLM-L6-v2 run with onnxruntime.

``OnnxMiniLM`` reproduces sentence-transformers' all-MiniLM-L6-v2: WordPiece tokens
(truncated to ``max_tokens``), the BERT encoder, mean pooling over real tokens, L2
normalisation. No torch; the graph is built once from the weights package
(``medora.index.onnx_minilm``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError
from .onnx_minilm import FUSIONS_LEFT_OUT, build_model, model_dir, model_id


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length vectors; the same text always gives the same vector."""

    model_id: str  # e.g. "all-MiniLM-L6-v2-int8"
    dim: int  # 384

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), dim)`` float32, rows L2-normalised, in the order of ``texts``."""
        ...


def optimized_graph(model_path: Path) -> Path:
    """The model with onnxruntime's graph fusions applied, written once beside it.

    A cold process then creates its session in about a third of the time (66 -> 25 ms
    here), with the same vectors: only the "extended" fusions are saved, which onnxruntime
    documents as independent of the machine; the hardware-specific layout step still runs
    when the session is created. Written under a temporary name and renamed, as the model is.
    """
    import onnxruntime as ort

    target = model_path.with_name(f"{model_path.stem}.extended.onnx")
    if target.is_file() and target.stat().st_mtime >= model_path.stat().st_mtime:
        return target
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(tmp)
        options.log_severity_level = 3
        ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"],
                             disabled_optimizers=list(FUSIONS_LEFT_OUT))
        tmp.chmod(0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


class OnnxMiniLM:
    """all-MiniLM-L6-v2 on onnxruntime, fp32 or dynamically quantised int8.

    Texts are sorted by token count, so each batch is padded only to its own longest text.
    The int8 model runs one text per call instead: it quantises activations with one
    scale per call, so in a batch each text's vector would depend on its neighbours (and
    on their padding). One text per call keeps a passage's vector the same whatever it is
    embedded with (the same vector at index time and as a query); measured on 2 cores it
    is no slower than batches of 8 to 32 (``benchmarks/embed_speed.py``).

    Args:
        cache_dir: where the built ``.onnx`` file lives (built on first use, then reused).
        max_tokens: tokens per text including ``[CLS]`` and ``[SEP]``; longer texts are cut.
        batch_size: texts per onnxruntime call for the fp32 model.
        threads: onnxruntime intra-op threads (0: one per core).
        quantized: the int8 model (23 MB) rather than fp32 (90 MB).
    """

    dim = 384

    def __init__(
        self,
        cache_dir: Path,
        *,
        max_tokens: int = 256,
        batch_size: int = 16,
        threads: int = 0,
        quantized: bool = True,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not 2 <= max_tokens <= 512:
            raise ConfigError(f"index.max_tokens must be between 2 and 512 (got {max_tokens})")
        if batch_size < 1:
            raise ConfigError(f"index.batch_size must be at least 1 (got {batch_size})")
        if threads < 0:
            raise ConfigError(f"index.threads must be 0 (one per core) or more (got {threads})")
        self.model_id = model_id(quantized)
        self.max_tokens = max_tokens
        self.model_path = build_model(Path(cache_dir), quantized)
        self._rows_per_run = 1 if quantized else batch_size

        self._tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
        self._tokenizer.no_padding()  # the shipped file pads to 128; batches are padded here
        self._tokenizer.enable_truncation(max_tokens)  # the shipped file truncates at 128

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: onnxruntime otherwise writes warnings to stderr
        # NOTE: idle threads sleep instead of spinning: same vectors (the work is split the same way),
        # and on this 2-core machine shared with other processes one query went from 12.7 ms to 6 ms
        # (a spinning thread takes the core the next run needs).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(optimized_graph(self.model_path)), options,
                                             providers=["CPUExecutionProvider"],
                                             disabled_optimizers=list(FUSIONS_LEFT_OUT))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors, in the order of ``texts``."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not one string")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        step = self._rows_per_run
        for start in range(0, len(order), step):
            rows = order[start : start + step]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int32)
            mask = np.zeros((len(rows), width), dtype=np.int32)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            (hidden,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[rows] = pooled / np.maximum(norms, 1e-12)
        return out
