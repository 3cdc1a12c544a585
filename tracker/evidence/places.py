"""Where findings and villages are: coordinates entered or taken from the first geotagged
before-photo, distances between points, and links to a map service named by the settings.

Positions are stored in WGS 84, as phones record them; a link to a map that expects GCJ-02 or
BD-09 (`[evidence] map_datum`) carries the converted point (evidence/datum.py). No map is drawn
and nothing is loaded from outside: with `[evidence] map_url_template` empty there are no map
links at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select  # sqlmodel's select types at most four columns
from sqlmodel import Session, col, select

from tracker.core.errors import ValidationFailed
from tracker.core.i18n import service_gettext as _
from tracker.evidence.datum import Datum, from_wgs84, to_wgs84
from tracker.evidence.exif import Position
from tracker.evidence.models import Attachment, PlaceSource, Purpose, TicketPosition, UnitPosition
from tracker.tickets.models import Ticket

_EARTH_RADIUS_M = 6_371_000


def distance_m(a: Position, b: Position) -> float:
    """Great-circle distance in metres (haversine; ample for "a few hundred metres away")."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def parse_position(lat: Any, lon: Any, datum: Any = Datum.WGS84) -> Position:
    """Typed-in coordinates (decimal degrees in `datum`: read off a phone, or off AMap or Baidu)
    as stored, in WGS 84; or ValidationFailed naming the field."""
    errors: dict[str, str] = {}
    values: dict[str, float] = {}
    if str(datum) not in {d.value for d in Datum}:
        errors["datum"] = _("unknown coordinate system")
    for field, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        try:
            number = float(str(value).strip())
        except ValueError:
            errors[field] = _("a number of degrees is needed")
            continue
        if not math.isfinite(number) or abs(number) > limit:
            errors[field] = _("must lie between -%(limit)s and %(limit)s", limit=limit)
            continue
        values[field] = round(number, 6)
    if errors:
        raise ValidationFailed(_("The coordinates are not valid."), errors)
    point = to_wgs84(Position(values["lat"], values["lon"]), Datum(str(datum)))
    return Position(round(point.lat, 6), round(point.lon, 6))


def attachment_position(attachment: Attachment) -> Position | None:
    if attachment.latitude is None or attachment.longitude is None:
        return None
    return Position(attachment.latitude, attachment.longitude)


def ticket_places(session: Session, tickets: Iterable[Ticket]) -> dict[int, Position]:
    """Each ticket's own position, else its location unit's (one query for any number)."""
    ids = [t.id for t in tickets]
    if not ids:
        return {}
    rows = session.execute(
        sa_select(
            col(Ticket.id),
            col(TicketPosition.ticket_id),
            col(TicketPosition.latitude),
            col(TicketPosition.longitude),
            col(UnitPosition.latitude),
            col(UnitPosition.longitude),
        )
        .outerjoin(TicketPosition, col(TicketPosition.ticket_id) == Ticket.id)
        .outerjoin(UnitPosition, col(UnitPosition.unit_id) == Ticket.location_unit_id)
        .where(col(Ticket.id).in_(ids))
    )
    places = {}
    for ticket_id, own, lat, lon, unit_lat, unit_lon in rows:
        if own is not None:
            places[ticket_id] = Position(lat, lon)
        elif unit_lat is not None:
            places[ticket_id] = Position(unit_lat, unit_lon)
    return places


def ticket_place(session: Session, ticket: Ticket) -> Position | None:
    return ticket_places(session, [ticket]).get(ticket.id)


def unit_positions(session: Session) -> dict[int, Position]:
    """Every unit's stored position, by unit id."""
    return {
        row.unit_id: Position(row.latitude, row.longitude)
        for row in session.exec(select(UnitPosition))
    }


def set_unit_position(session: Session, unit_id: int, position: Position, now: datetime) -> None:
    row = session.get(UnitPosition, unit_id) or UnitPosition(
        unit_id=unit_id, latitude=0, longitude=0
    )
    row.latitude, row.longitude, row.updated_at = position.lat, position.lon, now
    session.add(row)
    session.flush()


def set_ticket_position(
    session: Session,
    ticket: Ticket,
    position: Position,
    now: datetime,
    source: PlaceSource = PlaceSource.ENTERED,
) -> TicketPosition:
    row = session.get(TicketPosition, ticket.id) or TicketPosition(
        ticket_id=ticket.id, latitude=0, longitude=0
    )
    row.latitude, row.longitude = position.lat, position.lon
    row.source, row.updated_at = source, now
    session.add(row)
    session.flush()
    return row


def adopt_photo_position(
    session: Session, ticket: Ticket, attachment: Attachment, now: datetime
) -> bool:
    """Give a finding without a position of its own the place of its first geotagged
    before-photo (taken at the scene by whoever found the problem). After-photos never set the
    place they are judged against."""
    position = attachment_position(attachment)
    if position is None or attachment.purpose != Purpose.BEFORE:
        return False
    if session.get(TicketPosition, ticket.id) is not None:
        return False
    set_ticket_position(session, ticket, position, now, PlaceSource.PHOTO)
    return True


@dataclass(frozen=True)
class MapLinks:
    """Links to the configured map service: `template` with `{lat}` and `{lon}` replaced by the
    point in the `datum` that service expects."""

    template: str = ""
    datum: Datum = Datum.WGS84

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MapLinks:
        """The `[evidence]` settings; ValueError naming the key for an unknown datum."""
        evidence = config.get("EVIDENCE", {})
        datum = str(evidence.get("MAP_DATUM") or Datum.WGS84).lower()
        if datum not in {d.value for d in Datum}:
            choices = ", ".join(d.value for d in Datum)
            raise ValueError(f"EVIDENCE.MAP_DATUM: one of {choices}, not {datum!r}")
        return cls(str(evidence.get("MAP_URL_TEMPLATE") or ""), Datum(datum))

    @property
    def converts(self) -> bool:
        """Whether links carry shifted coordinates (the page then says so)."""
        return bool(self.template) and self.datum != Datum.WGS84

    def url(self, position: Position | None) -> str:
        """A link to a stored (WGS 84) position; "" when no service is configured or the
        position is unknown."""
        if not self.template or position is None:
            return ""
        point = from_wgs84(position, self.datum)
        return self.template.replace("{lat}", f"{point.lat:.6f}").replace(
            "{lon}", f"{point.lon:.6f}"
        )
