"""bench_serving --tracemalloc: on PYTHONPATH of the web roles it starts, so every uvicorn
worker (a spawned interpreter, which imports sitecustomize at start) traces allocations
and writes a snapshot to BENCH_TRACEMALLOC_DIR/<pid>-<n>.snapshot on each SIGUSR1. Kept
out of the platform's code: only the benchmark puts it on the path."""

import itertools
import os
import signal
import tracemalloc

_DIRECTORY = os.environ.get("BENCH_TRACEMALLOC_DIR")

if _DIRECTORY:
    _count = itertools.count()

    def _dump(signum, frame) -> None:
        path = os.path.join(_DIRECTORY, f"{os.getpid()}-{next(_count)}.snapshot")
        tracemalloc.take_snapshot().dump(path + ".part")
        os.replace(path + ".part", path)

    tracemalloc.start(int(os.environ.get("BENCH_TRACEMALLOC_FRAMES", "1")))
    signal.signal(signal.SIGUSR1, _dump)
