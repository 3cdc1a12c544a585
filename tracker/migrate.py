"""Alembic, driven from the app: `tracker db upgrade` and friends."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import Flask

from tracker.core.db import get_engine
from tracker.core.resources import resource_dir
from tracker.tickets import search


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Create or migrate the database; running it again does nothing."""
    with get_engine(app).connect() as connection:
        config = alembic_config(app)
        config.attributes["connection"] = connection
        # For migrations that (re)write the history chain (0009): the key stays outside the DB.
        config.attributes["audit_key"] = app.extensions["audit_keys"].current
        command.upgrade(config, revision)
        connection.commit()


def downgrade(app: Flask, revision: str) -> None:
    with get_engine(app).connect() as connection:
        config = alembic_config(app)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def revision(app: Flask, message: str, autogenerate: bool = True) -> None:
    with get_engine(app).connect() as connection:
        config = alembic_config(app)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=autogenerate)


def current_revision(app: Flask) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(app).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


# Schema objects made by hand-written DDL, not by the models (see tracker/tickets/search.py):
# autogenerate would otherwise offer to drop them.
DDL_MANAGED_INDEXES = frozenset({search.INDEX_NAME})


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's `include_object` hook: leave the DDL-managed objects out of comparisons."""
    return not (type_ == "index" and name in DDL_MANAGED_INDEXES)
