"""What every domain uses and that needs no domain: settings, the database session, the clock,
service errors, languages and labels, resource folders, the model base, safe text for documents.

Nothing in `tracker.core` imports a domain or the web layer (`tests/core/test_layers.py`).
"""
