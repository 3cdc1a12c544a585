"""Working-day calendar: China's official holidays, make-up working days and admin overrides."""
