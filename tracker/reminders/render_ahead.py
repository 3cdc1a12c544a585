"""Building a batch's mails in a thread ahead of the sender.

The sender spends much of a batch waiting: on the SMTP server's reply to each mail, and on the
database for each row's lease and mark; a digest sweep spent about a third of its time so
(bench/RESULTS.md). Here the mails are built (rendered, and written to bytes by the caller's
builders) in one worker thread, in the batch's order, while the sender waits; the sender takes
each mail when it reaches its row. Building reads only what the batch loaded beforehand (no
database), and one worker keeps the shared ticket views' line cache single-threaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask, current_app
from flask_mail import Message


def _build(app: Flask, build: Callable[[], Message]) -> Message:
    with app.app_context():
        return build()


class RenderAhead:
    """The mails of `builders`, built in order by a worker thread; `ahead[i]` waits for the
    i-th (and raises what its builder raised). `close()` cancels the mails not yet built and
    waits for the one in progress."""

    def __init__(self, builders: Sequence[Callable[[], Message]]) -> None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render-ahead")
        self._mails: list[Future[Message]] = [
            self._pool.submit(_build, app, build) for build in builders
        ]

    def __getitem__(self, index: int) -> Message:
        return self._mails[index].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
