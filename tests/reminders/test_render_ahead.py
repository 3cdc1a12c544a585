"""Mails built in a thread ahead of the sender: in order, in the app's context, errors kept."""

from __future__ import annotations

import sys
import threading

import pytest
from flask import current_app
from flask_mail import Message

from tracker.reminders.render_ahead import SENDER_SWITCH_INTERVAL, RenderAhead


def _mail(subject: str) -> Message:
    return Message(subject=f"{subject} for {current_app.name}", recipients=["a@example.org"])


def test_mails_are_built_in_order_by_one_other_thread(app):  # type: ignore[no-untyped-def]
    threads: list[int] = []

    def build(n: int) -> Message:
        threads.append(threading.get_ident())
        return _mail(str(n))

    with app.app_context():
        ahead = RenderAhead([lambda n=n: build(n) for n in range(20)])
        try:
            subjects = [ahead[i].subject for i in range(20)]
            assert subjects == [f"{n} for {app.name}" for n in range(20)]
            assert ahead[3] is ahead[3]  # taken again (resent after a reconnect): the same mail
        finally:
            ahead.close()
    assert len(set(threads)) == 1 and threads[0] != threading.get_ident()


def test_a_builder_that_fails_fails_where_its_mail_is_taken(app):  # type: ignore[no-untyped-def]
    def broken() -> Message:
        raise ValueError("template error")

    with app.app_context():
        ahead = RenderAhead([lambda: _mail("first"), broken, lambda: _mail("third")])
        try:
            assert ahead[0].subject.startswith("first")
            with pytest.raises(ValueError, match="template error"):
                ahead[1]
            assert ahead[2].subject.startswith("third")
        finally:
            ahead.close()


def test_the_switch_interval_is_short_while_any_batch_renders_ahead(app):  # type: ignore[no-untyped-def]
    """The sender's replies wait less for the GIL the renderer holds; two overlapping batches
    (the scheduler's sweep and drain) share the setting, and the last one puts it back."""
    default = sys.getswitchinterval()
    with app.app_context():
        first = RenderAhead([lambda: _mail("sweep")])
        second = RenderAhead([lambda: _mail("drain")])
        assert sys.getswitchinterval() == SENDER_SWITCH_INTERVAL < default
        first.close()
        assert sys.getswitchinterval() == SENDER_SWITCH_INTERVAL  # the drain still renders
        second.close()
        second.close()  # closing twice (an error path after the loop) releases once
    assert sys.getswitchinterval() == default
