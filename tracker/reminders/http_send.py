"""Posting a channel's request over HTTP (standard library) and judging the answer."""

from __future__ import annotations

import urllib.error
import urllib.request

from tracker.reminders.channels import Answer, ChannelSettings, Outcome, Request, judge


def post(request: Request, kind: str, settings: ChannelSettings) -> Answer:
    """POST one request; a connection failure or timeout is temporary, an answer is judged."""
    http_request = urllib.request.Request(
        request.url, data=request.body, headers=request.headers, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=settings.timeout) as response:
            return judge(kind, response.status, response.read(), settings)
    except urllib.error.HTTPError as error:
        return judge(kind, error.code, error.read() or b"", settings)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return Answer(Outcome.TEMPORARY, f"{type(error).__name__}: {error}")


def post_all(requests: list[Request], kind: str, settings: ChannelSettings) -> Answer:
    """Post a message's requests in order (a robot's markdown, then its mentions); the first
    answer that is not a success decides. Only the first request carries the message: a refused
    mention does not send the message twice."""
    first = post(requests[0], kind, settings)
    if first.outcome != Outcome.SENT:
        return first
    for request in requests[1:]:
        post(request, kind, settings)
    return first
