"""A unit's group robots: adding, changing and listing them, secrets kept out of sight."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from sqlmodel import Session, col, select

from tracker.core.errors import NotFound, ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.org.models import Unit
from tracker.reminders.channels import RobotKind, mask
from tracker.reminders.models import Robot

# The query parameter that carries each kind's key in its webhook URL.
KEY_PARAMETER: dict[str, str] = {RobotKind.WECOM: "key", RobotKind.DINGTALK: "access_token"}


@dataclass(frozen=True)
class RobotView:
    """A robot as the admin page shows it: the URL and secret masked."""

    id: int
    unit: str
    kind: str
    name: str
    url: str
    secret: str
    is_enabled: bool
    is_for_leaders: bool


def check(kind: str, name: str, url: str) -> dict[str, str]:
    """What is wrong with a robot's fields (field -> message); empty when nothing is."""
    errors: dict[str, str] = {}
    if kind not in {k.value for k in RobotKind}:
        errors["kind"] = _("choose WeCom or DingTalk")
    if not name.strip() or len(name) > 100:
        errors["name"] = _("a name of 1 to 100 characters")
    parts = urlsplit(url)
    key = KEY_PARAMETER.get(kind)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        errors["url"] = _("the robot's webhook address, starting with https://")
    elif key and not parse_qs(parts.query).get(key):
        errors["url"] = _("the address lacks its %(name)s parameter", name=key)
    return errors


def add_robot(
    session: Session,
    unit: Unit,
    kind: str,
    name: str,
    url: str,
    secret: str = "",
    for_leaders: bool = False,
) -> Robot:
    """Give `unit` a robot (`for_leaders`: for the leaders in charge of it); the caller
    commits."""
    url, secret = url.strip(), secret.strip()
    errors = check(kind, name, url)
    if errors:
        raise ValidationFailed(_("the robot was not saved"), errors)
    robot = Robot(
        unit_id=unit.id,
        kind=kind,
        name=name.strip(),
        webhook_url=url,
        secret=secret,
        is_for_leaders=for_leaders,
    )
    session.add(robot)
    session.flush()
    return robot


def change_robot(
    session: Session,
    robot_id: int,
    *,
    name: str | None = None,
    url: str = "",
    secret: str = "",
    is_enabled: bool | None = None,
) -> Robot:
    """Change a robot; a blank `url` or `secret` keeps the stored one. The caller commits."""
    robot = session.get(Robot, robot_id)
    if robot is None:
        raise NotFound(_("no such robot"))
    new_url = url.strip() or robot.webhook_url
    errors = check(robot.kind, name if name is not None else robot.name, new_url)
    if errors:
        raise ValidationFailed(_("the robot was not saved"), errors)
    robot.webhook_url = new_url
    robot.secret = secret.strip() or robot.secret
    if name is not None:
        robot.name = name.strip()
    if is_enabled is not None:
        robot.is_enabled = is_enabled
    session.add(robot)
    return robot


def list_robots(session: Session) -> list[RobotView]:
    rows = session.exec(
        select(Robot, Unit.name).join(Unit, col(Unit.id) == Robot.unit_id).order_by(Unit.path)
    ).all()
    return [
        RobotView(
            id=robot.id,
            unit=unit_name,
            kind=robot.kind,
            name=robot.name,
            url=mask(robot.webhook_url),
            secret=mask(robot.secret),
            is_enabled=robot.is_enabled,
            is_for_leaders=robot.is_for_leaders,
        )
        for robot, unit_name in rows
    ]
