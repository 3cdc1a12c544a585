"""Special supervision (挂牌督办): the workflow declares supervise, report_progress and
lift_supervision (config/workflows/*.toml, effects in tracker/tickets/effects.py); this package
holds what follows from it: its reminders and its lists."""
