"""Channels besides e-mail: group robots (WeCom, DingTalk), a signed JSON webhook, an SMS gateway.

Pure: settings from `[channels]`, the request each channel is sent (URL, headers, JSON body) and
what an answer means. No Flask, no database, no network (`tracker.reminders.http_send` posts).

What the robots document (their group-robot pages, read for this module):
- WeCom (企业微信/政务微信) group robot: POST JSON to its webhook URL (`.../webhook/send?key=KEY`);
  `{"msgtype": "markdown", "markdown": {"content": ...}}`, content at most 4,096 UTF-8 bytes;
  a markdown message cannot @ by mobile, a text message can (`text.mentioned_mobile_list`, content
  at most 2,048 bytes), so mentions follow as a short text message; at most 20 messages a minute
  per robot. Answers `{"errcode": 0, "errmsg": "ok"}`; 45009 is the rate limit, 93000 an invalid
  webhook key.
- DingTalk (钉钉/浙政钉) custom robot: POST JSON to `.../robot/send?access_token=T`, signed when the
  robot has a secret: `&timestamp=<ms>&sign=<urlencode(base64(HMAC-SHA256(secret,
  "<timestamp>\\n<secret>")))>`, the timestamp within an hour of DingTalk's clock;
  `{"msgtype": "markdown", "markdown": {"title", "text"}, "at": {"atMobiles": [...]}}` with each
  `@mobile` written in the text; at most 20 messages a minute, past which the robot is throttled
  for 10 minutes (errcode 130101); 310000 refuses a bad signature, a missing keyword or an
  address off the robot's list. Its size limit is not in what we found: the same byte cap as
  WeCom applies (`robot_max_bytes`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote_plus

EMAIL = "email"
SMS = "sms"
WEBHOOK = "webhook"
PERSONAL = (SMS, WEBHOOK)  # channels a person chooses (besides e-mail)
ROBOT_PREFIX = "robot:"  # channel of a unit's group robot: "robot:<id>"


class RobotKind(StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"


class Outcome(StrEnum):
    SENT = "sent"
    PERMANENT = "permanent"  # refused for good: bad key, bad signature, bad request
    RATE_LIMITED = "rate_limited"  # the channel asks us to slow down: pace it
    TEMPORARY = "temporary"  # unreachable, timed out, a server error: back off


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class Request:
    """One HTTP POST: where, which headers, what JSON."""

    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _section(config: Mapping, name: str) -> dict[str, Any]:
    for key, value in dict(config).items():
        if str(key).lower() == name and isinstance(value, Mapping):
            return {str(k).lower(): v for k, v in value.items()}
    return {}


@dataclass(frozen=True)
class ChannelSettings:
    timeout: float = 10
    robot_per_minute: int = 20
    robot_max_bytes: int = 4096
    robot_throttle_minutes: int = 10
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_per_minute: int = 0
    sms_url: str = ""
    sms_body: str = '{"to": "{mobile}", "text": "{text}"}'
    sms_headers: dict[str, str] = field(default_factory=dict)
    sms_ok_field: str = ""
    sms_ok_value: str = ""
    sms_max_chars: int = 140
    sms_per_minute: int = 0

    @classmethod
    def from_config(cls, config: Mapping) -> ChannelSettings:
        root = _section(config, "channels")
        webhook, sms = _section(root, "webhook"), _section(root, "sms")
        return cls(
            timeout=float(root.get("timeout", 10)),
            robot_per_minute=max(1, int(root.get("robot_per_minute", 20))),
            robot_max_bytes=max(256, int(root.get("robot_max_bytes", 4096))),
            robot_throttle_minutes=max(1, int(root.get("robot_throttle_minutes", 10))),
            webhook_url=str(webhook.get("url", "")),
            webhook_secret=str(webhook.get("secret", "")),
            webhook_per_minute=max(0, int(webhook.get("per_minute", 0))),
            sms_url=str(sms.get("url", "")),
            sms_body=str(sms.get("body", cls.sms_body)),
            sms_headers={str(k): str(v) for k, v in dict(sms.get("headers") or {}).items()},
            sms_ok_field=str(sms.get("ok_field", "")),
            sms_ok_value=str(sms.get("ok_value", "")),
            sms_max_chars=max(20, int(sms.get("max_chars", 140))),
            sms_per_minute=max(0, int(sms.get("per_minute", 0))),
        )

    def enabled(self) -> tuple[str, ...]:
        """The personal channels this deployment can send by."""
        return tuple(
            name for name, url in ((SMS, self.sms_url), (WEBHOOK, self.webhook_url)) if url
        )

    def per_minute(self, channel: str) -> int:
        """Messages a minute the channel's target takes (0: no limit)."""
        if channel.startswith(ROBOT_PREFIX):
            return self.robot_per_minute
        return {SMS: self.sms_per_minute, WEBHOOK: self.webhook_per_minute}.get(channel, 0)


@dataclass(frozen=True)
class Text:
    """A message as a channel shows it: a title and lines of markdown-friendly text."""

    title: str
    body: str
    link: str  # where the whole message can be read (the notices page)


def clip(text: str, limit: int, tail: str) -> str:
    """`text` cut at a line so that it and `tail` fit in `limit` UTF-8 bytes."""
    if len(text.encode()) <= limit:
        return text
    room = limit - len(tail.encode())
    kept: list[str] = []
    used = 0
    for line in text.split("\n"):
        size = len(line.encode()) + 1
        if used + size > room:
            break
        kept.append(line)
        used += size
    if not kept:  # one very long line: cut it by characters
        cut = text.encode()[: max(room, 0)].decode(errors="ignore")
        return cut + tail
    return "\n".join(kept) + "\n" + tail


def markdown(message: Text, limit: int) -> str:
    head = f"**{message.title}**\n\n"
    tail = f"[…]({message.link})"
    return head + clip(message.body, limit - len(head.encode()), tail)


def wecom_requests(url: str, message: Text, mobiles: Sequence[str], limit: int) -> list[Request]:
    """The markdown message, then (if anyone is to be @-ed) a short text that mentions them."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    body = {"msgtype": "markdown", "markdown": {"content": markdown(message, limit)}}
    requests = [Request(url, _json(body), headers)]
    if mobiles:
        mention = {
            "msgtype": "text",
            "text": {
                "content": clip(message.title, 2048, "…"),
                "mentioned_mobile_list": list(mobiles),
            },
        }
        requests.append(Request(url, _json(mention), headers))
    return requests


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: urlencode(base64(HMAC-SHA256(secret, "<timestamp>\\n<secret>")))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest))


def dingtalk_request(
    url: str, secret: str, message: Text, mobiles: Sequence[str], limit: int, timestamp_ms: int
) -> Request:
    mentions = " ".join(f"@{m}" for m in mobiles)
    text = markdown(message, limit - len(mentions.encode()) - 2)
    if mentions:
        text += "\n\n" + mentions
    body = {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:60], "text": text},
        "at": {"atMobiles": list(mobiles), "isAtAll": False},
    }
    if secret:
        sign = dingtalk_sign(secret, timestamp_ms)
        url += ("&" if "?" in url else "?") + f"timestamp={timestamp_ms}&sign={sign}"
    return Request(url, _json(body), {"Content-Type": "application/json; charset=utf-8"})


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256(secret, "<timestamp>." + body): what a receiver recomputes."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def webhook_request(settings: ChannelSettings, document: dict[str, Any], timestamp: int) -> Request:
    body = _json(document)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Tracker-Timestamp": str(timestamp),
    }
    if settings.webhook_secret:
        headers["X-Tracker-Signature"] = webhook_signature(settings.webhook_secret, timestamp, body)
    return Request(settings.webhook_url, body, headers)


def sms_request(settings: ChannelSettings, mobile: str, message: Text) -> Request:
    """The gateway's JSON template with `{mobile}` and `{text}` filled into its strings."""
    text = message.title
    if len(text) > settings.sms_max_chars:
        text = text[: settings.sms_max_chars - 1] + "…"
    values = {"mobile": mobile, "text": text, "link": message.link}
    document = _fill(json.loads(settings.sms_body), values)
    headers = {"Content-Type": "application/json; charset=utf-8", **settings.sms_headers}
    return Request(settings.sms_url, _json(document), headers)


def _fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: _fill(item, values) for key, item in template.items()}
    return template


WECOM_CODES = {45009: Outcome.RATE_LIMITED, 93000: Outcome.PERMANENT, -1: Outcome.TEMPORARY}
DINGTALK_CODES = {130101: Outcome.RATE_LIMITED, 310000: Outcome.PERMANENT, -1: Outcome.TEMPORARY}


def judge(channel_kind: str, status: int, body: bytes, settings: ChannelSettings) -> Answer:
    """What an HTTP answer means for the row that was sent."""
    text = body[:500].decode(errors="replace")
    if status == 429:
        return Answer(Outcome.RATE_LIMITED, f"HTTP 429 {text}")
    if status >= 500:
        return Answer(Outcome.TEMPORARY, f"HTTP {status} {text}")
    if status >= 300:
        return Answer(Outcome.PERMANENT, f"HTTP {status} {text}")
    if channel_kind in (RobotKind.WECOM, RobotKind.DINGTALK):
        codes = WECOM_CODES if channel_kind == RobotKind.WECOM else DINGTALK_CODES
        try:
            errcode = int(json.loads(body or b"{}").get("errcode", 0))
        except (ValueError, AttributeError):
            return Answer(Outcome.TEMPORARY, f"unreadable answer: {text}")
        if errcode == 0:
            return Answer(Outcome.SENT)
        # another errcode is about this request (bad parameter, empty content): it will not pass
        return Answer(codes.get(errcode, Outcome.PERMANENT), f"errcode {errcode}: {text}")
    if channel_kind == SMS and settings.sms_ok_field:
        try:
            value = json.loads(body or b"{}").get(settings.sms_ok_field)
        except (ValueError, AttributeError):
            return Answer(Outcome.TEMPORARY, f"unreadable answer: {text}")
        if str(value) != settings.sms_ok_value:
            return Answer(Outcome.PERMANENT, f"gateway refused: {text}")
    return Answer(Outcome.SENT)


def mask(secret: str) -> str:
    """A secret or keyed URL as an admin page shows it: never whole."""
    if not secret:
        return ""
    if "?" in secret:  # a webhook URL: the address, and the key's last four characters
        base, _, query = secret.partition("?")
        return f"{base}?…{query[-4:]}"
    return f"{secret[:3]}…{secret[-4:]}" if len(secret) > 10 else "…"


def _json(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
