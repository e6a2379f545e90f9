"""The server's guards, shared by every session of one process: at most
``AT_ONCE`` computations run at once, freed memory goes back to the system,
and the garbage collector leaves the loaded libraries alone.

Many sessions share one server process. Two rules keep its memory bounded
whatever they ask for at once: at most ``AT_ONCE`` computations run at the
same time (a cache hit never waits, as ``ui.compute`` puts the cache in
front of ``limited``), and on Linux freed memory is given back to the system
(see ``_tune_memory``).
"""

from __future__ import annotations

import ctypes
import functools
import gc
import sys
import threading

#: Computations (cache misses) that may run at the same time in the server.
#: The work is CPU-bound numpy, so more at once would not finish sooner on a
#: small machine, but each would hold its arrays (up to ~100 MB) meanwhile.
AT_ONCE = 2
_turns = threading.BoundedSemaphore(AT_ONCE)
_inside = threading.local()


def limited(fn):
    """Run ``fn`` only when one of the ``AT_ONCE`` turns is free. A nested
    call keeps its turn rather than waiting for a second one. A computation
    must not call another cached one: it could wait on that one's per-key
    lock, held by a session that is itself waiting for a turn."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if getattr(_inside, "depth", 0):
            return fn(*args, **kwargs)
        with _turns:
            _inside.depth = 1
            try:
                return fn(*args, **kwargs)
            finally:
                _inside.depth = 0
                release_memory()  # what the computation freed goes back to the system

    return wrapper


def _libc():
    """glibc, on Linux; None elsewhere (macOS, Windows, musl), where the
    memory tuning below is left to the system."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 (both exist in glibc only)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _libc()


def _tune_memory(large: int = 1 << 20, arenas: int = 2) -> bool:
    """Make glibc give freed memory back to the system.

    By default glibc keeps freed blocks for reuse: blocks below a threshold
    that grows (up to 32 MB) as big blocks are freed, in up to 8 arenas per
    core, one per thread that met another. After many sessions have worked
    on a million points the server would keep most of its peak. Here every
    block of ``large`` bytes or more is mapped on its own and unmapped when
    freed, and the script threads share ``arenas`` arenas."""
    if _LIBC is None:
        return False
    m_trim_threshold, m_mmap_threshold, m_arena_max = -1, -3, -8  # from malloc.h
    return bool(_LIBC.mallopt(m_mmap_threshold, large) and _LIBC.mallopt(m_arena_max, arenas)
                and _LIBC.mallopt(m_trim_threshold, large))


def release_memory() -> None:
    """Hand the free pages of every arena back to the system (glibc only):
    after each computation, and at the start of each page run (what the
    last run of any session freed)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


_tune_memory()


_frozen = threading.Event()
_freezing = threading.Lock()


def leave_loaded_objects_out_of_collections() -> bool:
    """Once per process, at the start of the first page run (every module
    the app uses is imported by then): collect, then ``gc.freeze()`` what is
    left, so later collections skip it. True if this call froze.

    Streamlit collects all of the garbage after every script run
    (``runner.postScriptGC``), and a full collection walks every object the
    process tracks: with numpy, pandas, Altair and Streamlit loaded, about
    135,000 objects and 55 ms (more in a busy server) of every rerun on this
    project's machine, most of a warm rerun. Those objects live as long as
    the process; frozen, they are no longer walked, and the collection after
    a run looks at what runs made (about 4 ms). Reference counting still frees a frozen object
    that is let go; only a reference cycle among objects alive at the freeze
    would stay: the first run's own, once per process.
    """
    if _frozen.is_set():
        return False
    with _freezing:
        if _frozen.is_set():
            return False
        gc.collect()
        gc.freeze()
        _frozen.set()
        return True
