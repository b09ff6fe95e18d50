"""Where many runs execute: in-process, local processes, or a Dask cluster.

Every engine is a :class:`concurrent.futures.Executor` (or none, for in-process), so the sweep
runner and the experiment layer never care which one they got. Dask is optional and imported
only here, only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from journeysim.errors import ScenarioError

__all__ = ["exit_with_parent", "make_executor", "process_pool"]


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes that end when their parent dies.

    On Linux the workers are forked, whatever the interpreter's default start method (Python
    3.14 moved it to ``forkserver``): a forked worker starts with everything the parent has,
    so strategies and models defined in a notebook or in a script without an
    ``if __name__ == "__main__"`` guard just work. Elsewhere (macOS, Windows) the platform's
    default is kept, since forking is unsafe there; scripts then need the guard.
    """
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=exit_with_parent
    )


def make_executor(
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
) -> tuple[Executor | None, Callable[[], None], int]:
    """Return ``(executor, close, parallelism)`` for an engine.

    ``local`` with one worker gives ``None`` (run in-process); with more, a
    :func:`process_pool` (work is shipped with cloudpickle, so functions defined in a notebook
    work). ``dask`` connects to ``scheduler`` (failing within ``timeout`` seconds with a clear
    error if it cannot be reached or has no worker) or starts a ``LocalCluster`` of
    ``workers`` single-threaded worker processes.
    """
    if workers is not None and workers < 1:
        raise ScenarioError("workers must be at least 1", field="workers")
    if scheduler and engine != "dask":
        raise ScenarioError(
            f"a scheduler address needs the dask engine (got engine {engine!r}): add --engine dask",
            field="scheduler",
        )
    if scheduler and workers is not None:
        raise ScenarioError(
            "workers sets the size of a cluster journeysim starts; a running cluster at "
            f"{scheduler} has its own workers: leave workers out",
            field="workers",
        )
    if engine == "local":
        n = workers or os.cpu_count() or 1
        if n == 1:
            return None, lambda: None, 1
        pool = process_pool(n)
        return pool, lambda: pool.shutdown(cancel_futures=True), n
    if engine == "dask":
        return _dask_executor(workers, scheduler, timeout)
    raise ScenarioError(f"unknown engine {engine!r}; allowed: local, dask", field="engine")


def exit_with_parent(poll: float = 1.0) -> None:
    """Worker initializer: end this worker when the process that started it is gone.

    A sweep killed with SIGKILL cannot tell its worker processes to stop; without this they
    would wait for work forever. The worker watches its parent (whatever the start method) and
    exits once it has been re-parented.
    """
    import threading
    import time

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="journeysim-exit-with-parent", daemon=True).start()


def _dask_executor(
    workers: int | None, scheduler: str | None, timeout: float
) -> tuple[Executor, Callable[[], None], int]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError(
            "the dask engine needs the optional extra: pip install 'journeysim[dask]'",
            field="engine",
        ) from None
    cluster: Any = None
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError) as exc:
            raise ScenarioError(
                f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s ({exc})",
                field="scheduler",
            ) from None
        except ValueError as exc:  # not an address at all
            raise ScenarioError(
                f"not a Dask scheduler address: {scheduler!r} ({exc}); "
                "expected e.g. tcp://host:8786",
                field="scheduler",
            ) from None
        try:  # a scheduler without workers would accept the runs and never run them
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            client.close()
            raise ScenarioError(
                f"the Dask scheduler at {scheduler} has no worker (none joined within "
                f"{timeout:g} s); start workers with: dask worker {scheduler}",
                field="scheduler",
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # a free port: never clash with a running dashboard
        )
        client = Client(cluster)
    parallelism = max(1, sum(client.nthreads().values()))

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return client.get_executor(pure=False), close, parallelism
