"""Counting finished runs: an Executor wrapper the dashboard hands to :func:`journeysim.compare`.

``compare(..., executor=...)`` submits one task per run and waits for them; wrapping the pool
lets the page show "4 of 6 runs" while the comparison is under way, without any hook in the
experiments layer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

__all__ = ["CountingExecutor"]


class CountingExecutor(Executor):
    """Submit to ``inner`` and count the tasks submitted and finished.

    ``shutdown`` does nothing: the inner pool belongs to whoever made it (the dashboard keeps
    one pool for every click and every browser tab).
    """

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.submitted = 0
        self.finished = 0
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Submit to the inner executor; the returned future counts itself when done."""
        future = self.inner.submit(fn, *args, **kwargs)
        with self._lock:
            self.submitted += 1
        future.add_done_callback(self._one_finished)
        return future

    def _one_finished(self, _future: Future) -> None:
        with self._lock:
            self.finished += 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Leave the inner pool running (it is shared)."""
