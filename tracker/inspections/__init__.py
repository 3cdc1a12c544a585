"""Inspection rounds (督查轮次): a team visits units and brings back findings."""
