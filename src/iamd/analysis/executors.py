"""Where the runs of a campaign execute: this process, local worker processes, or Dask.

Every executor has one method, ``map_unordered(fn, tasks)``: ``tasks`` is an iterable of
``(key, args)`` pairs, and it yields ``(key, fn(*args))`` as each finishes, in any order.
The campaign writes each result as it arrives and sorts them at the end, so the outputs do
not depend on the executor, the number of workers or the order of completion.

- ``InProcessExecutor``: one after the other in this process (``--workers 1``).
- ``LocalProcessExecutor``: a ``concurrent.futures.ProcessPoolExecutor`` with the ``spawn``
  start method (no inherited state, safe with threads; ``--workers N``). At most one task per
  worker is in flight; when a worker dies (``BrokenProcessPool``), the pool is replaced and the
  tasks it was running are submitted again, each at most ``retries`` times.
- ``DaskExecutor``: a ``dask.distributed`` client, on a ``LocalCluster`` of N single-threaded
  worker processes (``--dask local:N``) or an existing scheduler (``--dask tcp://HOST:PORT``;
  its workers need ``iamd`` installed). A task that raises is retried ``retries`` times; a task
  whose worker dies is rescheduled by the scheduler (up to its ``allowed-failures``).

**Dask worker settings for CPU-bound runs.** A run is one long, CPU-bound, NumPy-heavy Python
call. Dask's defaults suit many small tasks watched on a dashboard; for such runs they cost
CPU in two ways, both set right for the LocalCluster this module starts
(``LOCAL_CLUSTER_CONFIG``; a remote cluster keeps its own). Measured in
``benchmarks/campaign/README.md`` (``bench_dask_settings.py``): 5 % of a worker's CPU in its
event loop, 3.2x the page faults and 8x the system time of a pool worker, 25x the involuntary
context switches; with ``LOCAL_CLUSTER_CONFIG``, 0.6 % and as in a pool worker, 11-15 % less
CPU per run (more when the cores are contended), and 1.88x over one core with 2 workers
instead of 1.70x. (Of the ~30 % first reported there, the rest was the machine's speed
drifting between measurements.)

- The nanny starts every worker with ``MALLOC_TRIM_THRESHOLD_=65536``
  (``distributed.nanny.pre-spawn-environ``) so that freed memory goes back to the system
  (Dask docs, "Worker Memory Management: memory not released back to the OS"). Setting the
  trim threshold switches off glibc's dynamic mmap threshold (``mallopt(3)``, M_TRIM_THRESHOLD
  and "dynamic mmap threshold"): every array above 128 KiB is then a fresh ``mmap`` that is
  unmapped when freed, and each new one page-faults and zeroes its pages again. The variable
  is left unset, as in a pool worker; a worker holds one scenario and one run at a time.
- Each worker's event loop wakes ~170 times a second besides running tasks: the statistical
  profiler samples the task thread's stack every 10 ms for the dashboard
  (``distributed.worker.profile``), the loop health tick every 20 ms
  (``distributed.admin.tick``), the memory monitor every 100 ms and the system monitor every
  500 ms. Every wake takes the GIL from the task thread (a forced switch after
  ``sys.getswitchinterval()``, 5 ms) and costs CPU of its own (4-8 % of a run in the loop
  thread, measured). The profiler is switched off (no dashboard is started) and the checks
  run every second (the memory limit is still enforced), which leaves the loop thread <1 %.

The OpenMP/BLAS thread variables are not a cause: Dask already sets them to 1 in its workers.

A task whose worker died more often than allowed is yielded with a ``TaskLost`` in place of
its result, so the campaign records it instead of losing it.
"""

from __future__ import annotations

import copy
import logging
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from iamd.errors import IamdError, InputError
from iamd.files import check_input_file, cut
from iamd.procs import die_with_parent

Task = tuple[Hashable, tuple[Any, ...]]

LOCAL_CLUSTER_CONFIG: dict[str, Any] = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of the LocalCluster of ``--dask local:N`` (why: the module's docstring)."""


@dataclass(frozen=True, slots=True)
class TaskLost:
    """Stands in for the result of a task that could not be completed (its worker died)."""

    message: str


class Executor(Protocol):
    """Runs ``fn(*args)`` for every ``(key, args)`` task and yields ``(key, result)``."""

    description: str

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[Task]
    ) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, fn(*args))`` for every task as it finishes (any order)."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...


class _Managed:
    """Context-manager support: ``with make_executor(...) as ex:`` closes it."""

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class InProcessExecutor(_Managed):
    """Runs every task in this process, one after the other."""

    description = "in-process (1 worker)"

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[Task]
    ) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, fn(*args))`` in task order."""
        for key, args in tasks:
            yield key, fn(*args)


class LocalProcessExecutor(_Managed):
    """A pool of ``workers`` local processes (``spawn``), replaced when a worker dies.

    Args:
        workers: number of worker processes (>= 1).
        retries: how many times a task is resubmitted after its worker died.
        start_method: ``spawn`` (default) or ``forkserver``.
    """

    def __init__(self, workers: int, *, retries: int = 2, start_method: str = "spawn") -> None:
        if workers < 1:
            raise InputError(f"--workers must be >= 1 (got {workers})")
        if start_method not in ("spawn", "forkserver"):
            raise ValueError(f"start_method must be spawn or forkserver (got {start_method!r})")
        self.workers = workers
        self.retries = retries
        self.start_method = start_method
        self.description = f"local process pool ({workers} workers, {start_method})"
        self.pool_restarts = 0
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        ctx = multiprocessing.get_context(self.start_method)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[Task]
    ) -> Iterator[tuple[Hashable, Any]]:
        """Yield ``(key, fn(*args))`` as tasks finish; resubmit those of a dead worker."""
        pending: deque[Task] = deque(tasks)
        attempts: dict[Hashable, int] = {}
        running: dict[Future[Any], Task] = {}
        if self._pool is None:
            self._pool = self._new_pool()
        finished = False
        try:
            while pending or running:
                broken = False
                while pending and len(running) < self.workers and not broken:
                    task = pending.popleft()
                    try:
                        running[self._pool.submit(fn, *task[1])] = task
                    except BrokenProcessPool:
                        pending.appendleft(task)
                        broken = True
                if running:
                    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                else:
                    done = set()
                lost: list[Task] = []
                for fut in _in_submission_order(done, running):
                    task = running.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        lost.append(task)
                        broken = True
                        continue
                    yield task[0], result
                if broken:
                    # every task still in the broken pool is lost with it: resubmit them
                    lost += list(running.values())
                    running.clear()
                    self._pool.shutdown(wait=True, cancel_futures=True)
                    self._pool = self._new_pool()
                    self.pool_restarts += 1
                    for task in reversed(lost):
                        n = attempts.get(task[0], 0) + 1
                        attempts[task[0]] = n
                        if n > self.retries:
                            yield (
                                task[0],
                                TaskLost(
                                    f"worker process died {n} times while running this task "
                                    f"(retries={self.retries})"
                                ),
                            )
                        else:
                            pending.appendleft(task)
            finished = True
        finally:
            if not finished and self._pool is not None:  # interrupted: drop what is queued
                for fut in running:
                    fut.cancel()
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        """Shut the pool down (waits for running tasks)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(_Managed):
    """Tasks on a Dask distributed cluster: a new ``LocalCluster`` or an existing scheduler.

    Args:
        address: ``tcp://`` or ``tls://HOST:PORT`` of a running scheduler, or None for a
            LocalCluster.
        workers: LocalCluster size (worker processes, one thread each).
        retries: retries of a task that raises (``Client.submit(retries=...)``).
        local_config: Dask settings of the LocalCluster's scheduler, nannies and workers
            (default ``LOCAL_CLUSTER_CONFIG``; ``{}`` for Dask's own defaults). They hold for
            workers the nanny restarts, and leave this process's Dask configuration as it was.
        security: the certificates of a ``tls://`` scheduler. Dask moves results as pickles,
            and unpickling runs code: only a cluster whose every member is authenticated
            (``tls://`` with mutual certificates) or one you control (``tcp://`` on a
            network you trust) may run a campaign.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int = 2,
        retries: int = 2,
        local_config: Mapping[str, Any] | None = None,
        security: TLSFiles | None = None,
    ) -> None:
        try:
            import dask.config
            from dask.distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - depends on the installation
            raise InputError(
                "--dask needs the dask.distributed package (pip install 'dask[distributed]')"
            ) from None
        self.retries = retries
        self._cluster: Any = None
        if address is None:
            if workers < 1:
                raise InputError(f"--dask local:N needs N >= 1 (got {workers})")
            settings = LOCAL_CLUSTER_CONFIG if local_config is None else local_config
            try:
                with _restored_environ(), dask.config.set(dict(settings)):
                    self._cluster = LocalCluster(
                        n_workers=workers,
                        processes=True,
                        threads_per_worker=1,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                        # the nannies keep their own copy: restarted workers get it too
                        config=copy.deepcopy(dask.config.config),
                    )
            except Exception as exc:  # e.g. started from a script without a __main__ guard
                raise IamdError(
                    f"--dask local:{workers}: the Dask LocalCluster did not start ({exc}); a "
                    f"script must start it under `if __name__ == '__main__':`"
                ) from exc
            self._client = Client(self._cluster)
            self.description = f"Dask LocalCluster ({workers} worker processes)"
        else:
            kwargs: dict[str, Any] = {}
            if security is not None:
                kwargs["security"] = security.security()
            try:
                self._client = Client(address, timeout="20s", **kwargs)
            except (OSError, TimeoutError) as exc:
                why = (
                    "cannot reach the scheduler, or it did not present a certificate signed "
                    "by --tls-ca, or it refused this client's"
                    if security is not None
                    else "cannot reach the scheduler"
                )
                raise InputError(f"--dask {address}: {why} ({cut(str(exc), 200)})") from None
            self.description = f"Dask cluster at {address}"

    def map_unordered(
        self, fn: Callable[..., Any], tasks: Iterable[Task]
    ) -> Iterator[tuple[Hashable, Any]]:
        """Submit every task and yield results as they complete."""
        from dask.distributed import as_completed

        futures: dict[Any, Hashable] = {}
        for key, args in tasks:
            fut = self._client.submit(fn, *args, retries=self.retries, pure=False)
            futures[fut] = key
        finished = False
        try:
            for fut in as_completed(list(futures)):
                key = futures.pop(fut)
                if fut.status == "error":
                    exc = fut.exception()
                    yield key, TaskLost(f"{type(exc).__name__}: {exc}")
                else:
                    yield key, fut.result()
                fut.release()
            finished = True
        finally:
            if not finished and futures:
                self._client.cancel(list(futures))

    def close(self) -> None:
        """Close the client and, for a LocalCluster, the cluster."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


#: Local worker processes at most (``--workers N``, ``--dask local:N``): 4 per core; more
#: only queue for the cores and exhaust memory and process slots.
MAX_LOCAL_WORKERS = 4 * (os.cpu_count() or 1)


def parse_dask(text: str) -> tuple[str | None, int]:
    """``local:N`` -> ``(None, N)``; ``tcp://`` or ``tls://HOST:PORT`` -> ``(address, 0)``; else
    InputError.

    >>> parse_dask("local:2"), parse_dask("tcp://10.0.0.5:8786")
    ((None, 2), ('tcp://10.0.0.5:8786', 0))
    """
    allowed = (
        "allowed: local:N (a LocalCluster of N worker processes, N >= 1) or "
        "tcp://HOST:PORT or tls://HOST:PORT (an existing Dask scheduler; tls: with "
        "--tls-ca, --tls-cert and --tls-key)"
    )
    m = re.fullmatch(r"local:(\d+)", text)
    if m:
        n = int(m.group(1))
        if not 1 <= n <= MAX_LOCAL_WORKERS:
            raise InputError(
                f"--dask local:N needs 1 <= N <= {MAX_LOCAL_WORKERS} (got {text!r}; the cap is "
                f"4 workers per core of this machine)"
            )
        return None, n
    m = re.fullmatch(r"(?:tcp|tls)://([A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:]+\]):(\d+)", text)
    if m and 1 <= int(m.group(2)) <= 65535:
        return text, 0
    raise InputError(f"--dask: malformed value (got {text!r}; {allowed})")


@dataclass(frozen=True, slots=True)
class TLSFiles:
    """The PEM files of a ``tls://`` Dask connection: the certificate authority that signs the
    scheduler's and workers' certificates, and this client's certificate and key."""

    ca: str
    cert: str
    key: str

    def security(self) -> Any:
        """A ``distributed.Security`` that requires TLS and mutual authentication."""
        from distributed.security import Security

        for flag, path in (
            ("--tls-ca", self.ca),
            ("--tls-cert", self.cert),
            ("--tls-key", self.key),
        ):
            check_input_file(path, flag)
        return Security(
            tls_ca_file=self.ca,
            tls_client_cert=self.cert,
            tls_client_key=self.key,
            require_encryption=True,
        )


def make_executor(
    workers: int = 1,
    dask: str | None = None,
    *,
    retries: int = 2,
    tls: TLSFiles | None = None,
) -> InProcessExecutor | LocalProcessExecutor | DaskExecutor:
    """The executor of ``--workers N`` (1: in-process) or ``--dask local:N|tcp://HOST:PORT|
    tls://HOST:PORT`` (``tls``: the certificates of a ``tls://`` scheduler)."""
    if dask is not None:
        if workers != 1:
            raise InputError(
                f"--workers and --dask exclude each other (got --workers {workers} and "
                f"--dask {dask}); size a local Dask cluster with --dask local:N"
            )
        address, n = parse_dask(dask)
        is_tls = address is not None and address.startswith("tls://")
        if is_tls and tls is None:
            raise InputError(
                f"--dask {dask}: a tls:// scheduler needs --tls-ca, --tls-cert and --tls-key "
                "(PEM files: the authority that signs the cluster's certificates, and this "
                "client's certificate and key)"
            )
        if tls is not None and not is_tls:
            raise InputError(
                f"--tls-ca/--tls-cert/--tls-key go with --dask tls://HOST:PORT (got --dask {dask})"
            )
        return DaskExecutor(address, workers=n, retries=retries, security=tls)
    if tls is not None:
        raise InputError("--tls-ca/--tls-cert/--tls-key go with --dask tls://HOST:PORT")
    if workers < 1:
        raise InputError(f"--workers must be >= 1 (got {workers})")
    if workers == 1:
        return InProcessExecutor()
    return LocalProcessExecutor(workers, retries=retries)


@contextmanager
def _restored_environ() -> Iterator[None]:
    """Undo the changes Dask nannies make to this process's environment as they start.

    A nanny sets its ``pre-spawn-environ`` variables (``OMP_NUM_THREADS=1``, ...) in the
    environment of the process that starts it, here the campaign's own, from where they would
    reach every process started later (a local pool, another cluster). A nanny that restarts
    a dead worker sets them again.
    """
    saved = dict(os.environ)
    try:
        yield
    finally:
        for key in set(os.environ) - set(saved):
            del os.environ[key]
        os.environ.update(saved)


def _in_submission_order(done: set[Future[Any]], running: dict[Future[Any], Task]) -> list[Any]:
    return [f for f in running if f in done]
