"""A small workflow engine: definitions are data (TOML), decisions are pure functions.

`definition.py`, `engine.py` and `diagram.py` import no Flask, SQLModel or mail; `registry.py`
(loading the active file at start-up) and `views.py` are the thin glue to the app.
"""
