"""The app's web wiring: blueprints, request hooks, error handlers, security headers, template
globals and helpers, form error rendering, and the Flask extensions they bind."""
