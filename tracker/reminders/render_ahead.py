"""Building a batch's mails in a thread ahead of the sender.

The sender spends much of a batch waiting: on the SMTP server's reply to each mail, and on the
database for each row's lease and mark; a digest sweep spent about a third of its time so
(bench/RESULTS.md). Here the mails are built (rendered, and written to bytes by the caller's
builders) in one worker thread, in the batch's order, while the sender waits; the sender takes
each mail when it reaches its row. Building reads only what the batch loaded beforehand (no
database), and one worker keeps the shared ticket views' line cache single-threaded.

While the worker renders (pure Python, holding the GIL), each reply the sender waits for, about
ten round trips a mail, then waits for the GIL too: up to the interpreter's switch interval,
5 ms by default. So the switch interval is shortened while any batch renders ahead, and put
back after the last one (bench/RESULTS.md: the 20,000-ticket digest sweep, 1.09 s with the
default interval, 0.82 s with 0.5 ms).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from flask_mail import Message

SENDER_SWITCH_INTERVAL = 0.0005  # seconds


class _SwitchInterval:
    """The shortened switch interval, held by every batch rendering ahead in this process (the
    scheduler's sweep and drain jobs may overlap): the first sets it, the last restores it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = sys.getswitchinterval()

    def acquire(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, SENDER_SWITCH_INTERVAL))
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                sys.setswitchinterval(self._saved)


_switch_interval = _SwitchInterval()


def _build(app: Flask, build: Callable[[], Message]) -> Message:
    with app.app_context():
        return build()


class RenderAhead:
    """The mails of `builders`, built in order by a worker thread; `ahead[i]` waits for the
    i-th (and raises what its builder raised). `close()` cancels the mails not yet built and
    waits for the one in progress."""

    def __init__(self, builders: Sequence[Callable[[], Message]]) -> None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
        _switch_interval.acquire()
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-ahead")
        self._mails: list[Future[Message]] = [
            self._pool.submit(_build, app, build) for build in builders
        ]

    def __getitem__(self, index: int) -> Message:
        return self._mails[index].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not self._closed:
            self._closed = True
            _switch_interval.release()
