"""Tickets: findings handed to a responsible unit, their history, indicators and evidence."""
