"""One BLAS thread inside the simulation.

The engine's matrix products are small (tens of columns): numpy's BLAS
splits each across all cores, and on a busy machine the threads wait for
one another. A 10,000-draw run on a loaded 2-core machine took 2.4x as long
with two BLAS threads as with one (bench/bench_runtime.py). The limit is
process-wide while it holds (threadpoolctl) and restored afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # inspects the loaded libraries once (~1 ms)


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the block with BLAS limited to one thread (numpy's OpenBLAS, MKL, ...)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
