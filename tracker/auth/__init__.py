"""Signing in and out, with lock-out after repeated failures."""
