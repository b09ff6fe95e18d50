"""Where many runs execute: in-process, local processes, or a Dask cluster.

Every engine is a :class:`concurrent.futures.Executor` (or none, for in-process), so the sweep
runner and the experiment layer never care which one they got. Dask is optional and imported
only here, only when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from journeysim.errors import ScenarioError

__all__ = ["exit_with_parent", "make_executor", "process_pool", "stop_pool", "useful_workers"]


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


def useful_workers(workers: object, runs: int | None = None) -> int:
    """The number of local worker processes worth starting for ``runs`` runs.

    ``None`` means every core. More workers than cores or than runs only cost memory and
    start-up time (1,000 processes on 2 cores): the number is capped, with a warning (the CLI
    prints it as a note).

    Raises
    ------
    TypeError
        If ``workers`` is not a whole number (``"2"``, ``2.0``, ``True``) or None.
    ValueError
        If it is below 1.
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)):
        raise TypeError(
            f"workers must be a whole number of at least 1 (or None: every core), not "
            f"{type(workers).__name__} {workers!r}"
        )
    if workers is not None and workers < 1:
        raise ScenarioError("workers must be at least 1", field="workers")
    cores = os.cpu_count() or 1
    limit = cores if runs is None else max(1, min(cores, runs))
    if workers is None:
        return limit
    if workers > limit:
        why = f"{cores} CPU cores" if limit == cores else f"{runs} runs"
        warnings.warn(
            f"workers {workers}: using {limit} (no more are useful with {why})",
            UserWarning,
            stacklevel=3,
        )
        return limit
    return workers


def stop_pool(pool: Executor) -> None:
    """Stop a local process pool now (an interrupt): cancel what is queued, end the workers.

    ``shutdown`` alone waits for the runs in progress, which can take as long as a run; the
    runs in flight are lost either way (a sweep runs them again on resume).
    """
    # the workers first: shutdown forgets them (and ProcessPoolExecutor has no public handle)
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


def make_executor(
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float = 10.0,
    *,
    runs: int | None = None,
) -> tuple[Executor | None, Callable[[], None], int]:
    """Return ``(executor, close, parallelism)`` for an engine.

    ``local`` with one worker gives ``None`` (run in-process); with more, a
    :func:`process_pool` (work is shipped with cloudpickle, so functions defined in a notebook
    work). ``dask`` connects to ``scheduler`` (failing within ``timeout`` seconds with a clear
    error if it cannot be reached or has no worker) or starts a ``LocalCluster`` of
    ``workers`` single-threaded worker processes.
    """
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
    if engine not in ("local", "dask"):
        raise ScenarioError(f"unknown engine {engine!r}; allowed: local, dask", field="engine")
    if scheduler is None:
        workers = useful_workers(workers, runs)
    if engine == "local":
        n = workers or 1
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
    exits once it has been re-parented. It also freezes the objects it inherited from a forked
    parent (``gc.freeze``), so garbage collection never copies their pages.
    """
    import gc
    import time

    # A forked worker shares the parent's pages until it writes to them; the collector's
    # walks over the parent's objects would write to (copy) most of them. Frozen, they are
    # left alone: half the page faults and ~10% less CPU per run (benchmarks/sweep_throughput).
    gc.freeze()
    parent = os.getppid()
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C reaches the whole process group: the parent decides what it means (stop the
        # pool at once, see stop_pool); a worker that caught it would only report it as the
        # result of its run and go on with the next one.
        signal.signal(signal.SIGINT, signal.SIG_IGN)

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
