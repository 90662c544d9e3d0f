"""The query path's embedding: one question at a time from many worker threads.

Two things sit in front of the model here:

* `MicroBatcher`: questions that arrive while the model is busy are embedded together in
  the next call. On 2 cores, eight threads each running the model at once thrash the
  caches and the scheduler; one call at a time over a batch keeps a core free for the
  event loop and the rest of each request (measured in eval/BENCH.md).
* `QuestionVectors`: an LRU cache, because users repeat questions (the web page's examples,
  retries, dashboards polling); a hit costs a dictionary lookup instead of a model call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from rag.embedding.embedder import QuestionEncoder


class _Waiting:
    """One question waiting for its vector, or for its turn to run the model for a batch."""

    __slots__ = ("text", "vector", "error", "batch", "ready")

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.batch: list[_Waiting] | None = None
        """Set when this caller leads: the questions it embeds, its own first."""
        self.ready = threading.Event()


class MicroBatcher:
    """Embeds concurrent questions together, without a thread of its own.

    Up to `lanes` model calls run at once. A caller that finds a lane free leads: it embeds
    its batch, hands the vectors out, and passes its lane to the oldest question that
    arrived meanwhile, with everything waiting behind it (up to `max_batch`), so no caller
    serves others for longer than one batch. A lone question goes straight to the model:
    nothing waits for a batch to fill.
    """

    def __init__(self, embedder: QuestionEncoder, max_batch: int, lanes: int = 1) -> None:
        self.embedder = embedder
        self.max_batch = max_batch
        self.lanes = lanes
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._running = 0

    def embed(self, text: str) -> np.ndarray:
        """The unit vector of `text`, embedded alone or with whatever questions wait beside it."""
        mine = _Waiting(text)
        with self._lock:
            # A free lane means nobody waits: a lane is only given up when the line is empty.
            if self._running < self.lanes:
                self._running += 1
                mine.batch = [mine]
            else:
                self._waiting.append(mine)
        if mine.batch is None:
            mine.ready.wait()  # woken with a vector, or with a batch to lead
        if mine.batch is not None:
            self._run_batch(mine.batch)
        if mine.error is not None:
            raise mine.error
        assert mine.vector is not None
        return mine.vector

    def _run_batch(self, batch: list[_Waiting]) -> None:
        try:
            vectors = self.embedder.embed([w.text for w in batch], batch_size=len(batch))
        except BaseException as exc:  # every caller in the batch must hear of it, not only the leader
            for waiting in batch:
                waiting.error = exc
        else:
            for waiting, vector in zip(batch, vectors):
                waiting.vector = vector
        with self._lock:
            successor = self._waiting[0] if self._waiting else None
            if successor is None:
                self._running -= 1
            else:
                # Taken here, under the lock: two leaders finishing at once must not both
                # promote the same caller.
                successor.batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
        for waiting in batch[1:]:
            waiting.ready.set()
        if successor is not None:
            successor.ready.set()


class QuestionVectors:
    """A question's vector: from the cache of recent questions, else from the micro-batcher.

    Thread-safe: the service answers from worker threads.
    """

    def __init__(self, embedder: QuestionEncoder, cache_size: int, max_batch: int, lanes: int = 1) -> None:
        self.capacity = cache_size
        self._batcher = MicroBatcher(embedder, max_batch, lanes)
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, question: str) -> np.ndarray:
        """The unit vector of `question` (read-only: it may be shared with other requests)."""
        if self.capacity:
            with self._lock:
                cached = self._vectors.get(question)
                if cached is not None:
                    self._vectors.move_to_end(question)
                    return cached
        # Outside the lock: two threads may embed the same new question once each, which is
        # cheaper than making every other question wait for the model.
        vector = self._batcher.embed(question)
        vector.flags.writeable = False
        if self.capacity:
            with self._lock:
                self._vectors[question] = vector
                if len(self._vectors) > self.capacity:
                    self._vectors.popitem(last=False)
        return vector
