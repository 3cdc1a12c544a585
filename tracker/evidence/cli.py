"""`tracker unit locate CODE LAT LON`: where a unit (a village) is, for the photo place checks;
`tracker evidence backfill`: the photo checks for files attached before they existed;
`tracker evidence sweep`: files a dead process left staged."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.core.clock import utcnow
from tracker.core.db import session_scope
from tracker.core.errors import ValidationFailed
from tracker.core.i18n import CommandError, speaks_language
from tracker.core.i18n import service_gettext as _
from tracker.evidence import backfill, places, storage
from tracker.evidence.datum import Datum
from tracker.evidence.service import UploadSettings
from tracker.org.models import Unit

# Pending attachments read per short transaction (the slow reading happens between them).
_CHUNK = 100


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
@speaks_language
def unit_locate(code: str, lat: str, lon: str, datum: str) -> None:
    """Set the position of unit CODE: LAT and LON in decimal degrees (use `--` before a
    negative value)."""
    try:
        position = places.parse_position(lat, lon, datum)
    except ValidationFailed as error:
        details = "; ".join(f"{k}: {v}" for k, v in (error.fields or {}).items())
        raise CommandError(f"{error.message} {details}") from error
    with session_scope(current_app) as session:
        unit = session.exec(select(Unit).where(Unit.code == code)).first()
        if unit is None:
            raise CommandError(_("no unit with code %(code)s", code=repr(code)))
        places.set_unit_position(session, unit.id, position, utcnow())
        where = f"{position.lat:.6f}, {position.lon:.6f}"
        click.echo(
            _(
                "unit %(code)s (%(name)s) at %(where)s (WGS 84)",
                code=unit.code,
                name=unit.name,
                where=where,
            )
        )


@click.group("evidence")
def evidence_group() -> None:
    """Photo evidence: capture facts, fingerprints and renditions."""


def _report(summary: backfill.Summary) -> None:
    """What a backfill run did, the files it could not read, and a non-zero exit if any."""
    click.echo(
        _(
            "examined %(examined)d attachment(s): %(photos)d photo(s), %(with_time)d with a "
            "capture time, %(with_position)d with a position, %(with_copies)d with copies "
            "elsewhere; %(placed)d finding(s) placed by their before-photo",
            examined=summary.examined,
            photos=summary.photos,
            with_time=summary.with_time,
            with_position=summary.with_position,
            with_copies=summary.with_copies,
            placed=summary.findings_placed,
        )
    )
    for item, reason in summary.unreadable:
        click.echo(
            _(
                "unreadable: attachment %(id)d of ticket %(ticket)d (%(name)s): %(reason)s",
                id=item.id,
                ticket=item.ticket_id,
                name=repr(item.original_name),
                reason=reason,
            ),
            err=True,
        )
    if summary.unreadable:
        raise CommandError(
            _(
                "%(num)d file(s) could not be read; they stay pending and are tried again by "
                "the next run",
                num=len(summary.unreadable),
            )
        )


@evidence_group.command("backfill")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="examine at most this many attachments, then stop (the next run carries on)",
)
@with_appcontext
@speaks_language
def backfill_command(limit: int | None) -> None:
    """Give files attached before the photo checks what uploads get now: capture time, camera,
    position, an upright thumbnail (a JPEG rendition for HEIC), SHA-256 and perceptual hashes,
    copies found across the deployment, and a finding's place from its first geotagged
    before-photo. Idempotent and resumable: only attachments not yet examined are read, each
    recorded in its own short transaction. Unreadable files are listed at the end and stay
    pending (exit status 1); the rest are done."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    settings = UploadSettings.from_config(app.config)
    with session_scope(app, write=False) as session:
        total = backfill.count_pending(session)
    total = min(total, limit) if limit else total
    summary = backfill.Summary()
    after, seen = 0, 0
    with click.progressbar(length=total, label=_("Examining attachments"), show_pos=True) as bar:
        while seen < total:
            with session_scope(app, write=False) as session:
                chunk = backfill.pending(session, after, min(_CHUNK, total - seen))
            if not chunk:
                break
            for item in chunk:
                after, seen = item.id, seen + 1
                try:
                    examined = backfill.examine(item, settings)
                except backfill.Unreadable as problem:
                    summary.unreadable.append((item, str(problem)))
                else:
                    with session_scope(app) as session:
                        summary.add(backfill.record(session, item.id, examined, utcnow()))
                bar.update(1)
    _report(summary)


@evidence_group.command("sweep")
@click.option(
    "--older-than-hours",
    type=click.FloatRange(min=1),
    default=24,
    show_default=True,
    help="Only files staged at least this long ago (a running upload is never that old).",
)
@with_appcontext
@speaks_language
def sweep_command(older_than_hours: float) -> None:
    """Delete upload files staged by a process that died before its transaction ended."""
    removed = storage.sweep_staged(current_app.config["UPLOAD_DIR"], older_than_hours * 3600)
    click.echo(_("%(count)d staged file(s) removed", count=removed))
