"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi run`."""

from tracker import create_app
from tracker.tickets.stored_states import ensure_ticket_states

app = create_app()
# Tickets in states the active workflow lacks stop the start here, not in a request later.
ensure_ticket_states(app)
