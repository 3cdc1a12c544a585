"""`tracker unit locate CODE LAT LON`: where a unit (a village) is, for the photo place checks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.clock import utcnow
from tracker.db import session_scope
from tracker.errors import ValidationFailed
from tracker.evidence import places
from tracker.evidence.datum import Datum
from tracker.org.models import Unit


@click.command("locate")
@click.argument("code")
@click.argument("lat")
@click.argument("lon")
@click.option(
    "--datum",
    type=click.Choice([d.value for d in Datum]),
    default=Datum.WGS84.value,
    show_default=True,
    help="the coordinate system LAT and LON were read in: wgs84 (GPS, phones), gcj02 (AMap, "
    "Tencent), bd09 (Baidu); stored converted to WGS 84",
)
@with_appcontext
def unit_locate(code: str, lat: str, lon: str, datum: str) -> None:
    """Set the position of unit CODE: LAT and LON in decimal degrees (use `--` before a
    negative value)."""
    try:
        position = places.parse_position(lat, lon, datum)
    except ValidationFailed as error:
        details = "; ".join(f"{k}: {v}" for k, v in (error.fields or {}).items())
        raise click.ClickException(f"{error.message} {details}") from error
    with session_scope(current_app) as session:
        unit = session.exec(select(Unit).where(Unit.code == code)).first()
        if unit is None:
            raise click.ClickException(f"no unit with code {code!r}")
        places.set_unit_position(session, unit.id, position, utcnow())
        click.echo(
            f"unit {unit.code} ({unit.name}) at {position.lat:.6f}, {position.lon:.6f} (WGS 84)"
        )

