"""Read the next frame while the model works on this one: decoding overlaps inference."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetch(
    items: Iterator[T], depth: int = 1, on_stop: Callable[[], None] = lambda: None
) -> Iterator[T]:
    """Iterate ``items`` in a worker thread, ``depth`` ahead. Errors are re-raised here.
    Leaving the loop early calls ``on_stop`` (to wake a producer that waits) and waits for
    the worker to finish, so the caller may then close what the worker was reading."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            offer(exc)
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's clean-up runs here, in its own thread
        offer(_END)

    worker = threading.Thread(target=work, name="frame-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        on_stop()
        worker.join()
