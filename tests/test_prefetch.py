from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from posturewatch.capture.read_ahead import prefetch


def test_items_arrive_in_order() -> None:
    assert list(prefetch(iter(range(100)))) == list(range(100))


def test_worker_error_is_raised_in_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("camera gone")

    with pytest.raises(ValueError, match="camera gone"):
        list(prefetch(broken()))


def test_leaving_early_stops_the_worker() -> None:
    def endless() -> Iterator[int]:
        n = 0
        while True:
            yield n
            n += 1

    for item in prefetch(endless()):
        if item == 3:
            break
    assert not [t for t in threading.enumerate() if t.name == "frame-reader" and t.is_alive()]
