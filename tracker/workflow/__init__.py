"""A small, pure workflow engine: definitions are data (TOML), decisions are functions.

Nothing in this package imports Flask, SQLModel or mail.
"""
