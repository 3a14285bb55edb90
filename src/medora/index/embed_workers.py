"""`medora index`'s passages embedded by worker processes, one onnxruntime thread each (issue #17).

The int8 model runs one text per onnxruntime call (``embed.OnnxMiniLM``), too small a piece of
work to keep two threads busy: on a quiet 2-core machine, two processes of one thread each embed
~1.4x as many passages a second as one process of two threads, for the same CPU per passage; on
a machine busy with other work they got less CPU and were slower (``benchmarks/RESULTS.md``,
``benchmarks/embed_workers.py``). A text's vector depends on the text alone, so the vectors are
the same whichever process computes them.

The workers only compute; the indexing process alone writes vectors to the store, chunk by
chunk in its own order, so an interrupted run resumes as it does without workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import IndexStoreError
from .onnx_minilm import build_model

if TYPE_CHECKING:  # a worker imports this module: it needs neither SQLite nor tantivy
    from .embedded import EmbeddedIndex

# Texts per worker task. NOTE: leaving early waits for the tasks already handed out (one running per
# worker and one queued, which concurrent.futures cannot take back): with tasks of 256 texts Ctrl-C took
# 8-9 s on 2 cores under a load of 3, with 64 about 4 s; a task still outweighs its IPC ~100-fold.
TASK_TEXTS = 64

_embedder = None  # a worker's OnnxMiniLM, built by its first task


def worker_count(setting: int) -> int:
    """``index.embed_workers`` resolved: 0 means one per core."""
    return setting or os.cpu_count() or 1


@contextmanager
def vectors_by_chunk(index: EmbeddedIndex, chunks: Sequence[Sequence[str]], workers: int
                     ) -> Iterator[Iterator[np.ndarray]]:
    """Yields an iterator over the vectors of each chunk of texts, in the order of ``chunks``.

    ``workers`` 1: computed lazily in this process by ``index.embedder()`` (``index.threads``
    threads). More: by that many spawned processes, in tasks of ``TASK_TEXTS`` texts handed out
    as the workers free up. Leaving the block early (a time budget, Ctrl-C, an error) cancels
    the tasks not started, waits for the few already handed out and ends the workers.
    """
    if workers <= 1:
        embedder = index.embedder()
        yield (embedder.embed(list(chunk)) for chunk in chunks)
        return
    options = index.embedder_options(threads=1)
    build_model(options["cache_dir"])  # built once here, not by every worker at once
    tasks = [chunk[start : start + TASK_TEXTS] for chunk in chunks for start in range(0, len(chunk), TASK_TEXTS)]
    # NOTE: spawned, not forked: this process holds SQLite and tantivy handles and their threads.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker)
    try:
        results = pool.map(_embed_texts, tasks, [options] * len(tasks))
        yield (np.concatenate([next(results) for _ in range(0, len(chunk), TASK_TEXTS)]) for chunk in chunks)
    except BrokenProcessPool as e:
        raise IndexStoreError(
            "an embedding worker process ended abruptly (out of memory, or killed); the vectors stored so far are "
            "kept: run medora index again, or set index.embed_workers = 1 to embed in the indexing process. "
            "A script calling build_index must do so under `if __name__ == \"__main__\":` "
            "(workers are spawned and import the script's main module)") from e
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker() -> None:
    # Ctrl-C reaches the whole process group: the indexing process alone handles it (and ends the pool).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()


def _exit_with_parent() -> None:
    """End this worker when the indexing process dies (kill -9): nothing else would, and a worker
    blocked on its result queue would wait forever."""
    from multiprocessing.connection import wait

    wait([multiprocessing.parent_process().sentinel])
    os._exit(1)


def _embed_texts(texts: Sequence[str], options: dict[str, Any]) -> np.ndarray:
    # NOTE: the model is built by the first task rather than by the pool's initializer, so that a
    # bad setting reaches the indexing process as its own error (ConfigError), not as a broken pool.
    global _embedder
    if _embedder is None:
        from .embed import OnnxMiniLM

        _embedder = OnnxMiniLM(**options)
    return _embedder.embed(texts)
