"""The reminder policy: settings from `[reminders]`, day counting, the ladder, the sending window.

Pure: no Flask, no database. `Policy.from_config(app.config)` reads the settings once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tracker.calendar.workdays import WorkdayCalendar
from tracker.core.clock import as_utc, local_date

LEVELS = ("blue", "yellow", "red")
DEFAULT_LADDER = {"blue": -3, "yellow": 1, "red": 7}


@dataclass(frozen=True)
class Policy:
    timezone: str = "Asia/Shanghai"
    base_url: str = "http://127.0.0.1:5000"
    before_days: tuple[int, ...] = (3, 1)
    on_the_day: bool = True
    overdue_every_days: int = 1
    escalate_after_days: int = 1
    ladder: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LADDER))
    leader_digest_weekday: int = 1
    daily_cadre_digest: bool = True
    window_start_hour: int = 8
    window_end_hour: int = 20
    working_days: bool = False
    stale_after_days: int = 14
    max_attempts: int = 5
    backoff_minutes: tuple[int, ...] = (5, 15, 60, 240)
    batch_size: int = 100
    lease_minutes: int = 10
    mail_timeout: float = 30
    notice_window_minutes: int = 10

    @classmethod
    def from_config(cls, config: Mapping) -> Policy:
        r = {str(k).upper(): v for k, v in dict(config.get("REMINDERS") or {}).items()}
        ladder = {
            str(k).lower(): int(v) for k, v in dict(r.get("LADDER") or DEFAULT_LADDER).items()
        }
        return cls(
            timezone=config.get("TIMEZONE", "Asia/Shanghai"),
            base_url=str(config.get("BASE_URL", "")).rstrip("/"),
            before_days=tuple(sorted({int(d) for d in r.get("BEFORE_DAYS", (3, 1))}, reverse=True)),
            on_the_day=bool(r.get("ON_THE_DAY", True)),
            overdue_every_days=int(r.get("OVERDUE_EVERY_DAYS", 1)),
            escalate_after_days=int(r.get("ESCALATE_AFTER_DAYS", 1)),
            ladder={k: v for k, v in ladder.items() if k in LEVELS},
            leader_digest_weekday=int(r.get("LEADER_DIGEST_WEEKDAY", 1)),
            daily_cadre_digest=bool(r.get("DAILY_CADRE_DIGEST", True)),
            window_start_hour=int(r.get("WINDOW_START_HOUR", 8)),
            window_end_hour=int(r.get("WINDOW_END_HOUR", 20)),
            working_days=bool(r.get("WORKING_DAYS", False)),
            stale_after_days=int(r.get("STALE_AFTER_DAYS", 14)),
            max_attempts=max(1, int(r.get("MAX_ATTEMPTS", 5))),
            backoff_minutes=tuple(int(m) for m in r.get("BACKOFF_MINUTES", (5, 15, 60, 240)))
            or (5,),
            batch_size=max(1, int(r.get("BATCH_SIZE", 100))),
            lease_minutes=max(1, int(r.get("LEASE_MINUTES", 10))),
            mail_timeout=float(config.get("MAIL_TIMEOUT", 30) or 30),
            notice_window_minutes=max(0, int(r.get("NOTICE_WINDOW_MINUTES", 10))),
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ticket_url(self, ticket_id: int) -> str:
        return f"{self.base_url}/tickets/{ticket_id}"

    # --- sending window and retries --------------------------------------------------------

    def into_window(self, moment: datetime) -> datetime:
        """`moment` if it lies in the sending window, else the window's next opening (UTC)."""
        start, end = self.window_start_hour, self.window_end_hour
        if not (0 <= start < end <= 24):
            return moment
        local = as_utc(moment).astimezone(self.zone)
        if start <= local.hour < end:
            return moment
        day = local.date() if local.hour < start else local.date() + timedelta(days=1)
        opening = datetime.combine(day, time(start), tzinfo=self.zone)
        return as_utc(opening)

    def in_window(self, moment: datetime) -> bool:
        return self.into_window(moment) == moment

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt (1-based)."""
        steps = self.backoff_minutes
        return timedelta(minutes=steps[min(max(attempts, 1), len(steps)) - 1])


class DayCounter:
    """Days left until a deadline, in calendar or working days, memoised per deadline."""

    def __init__(
        self, policy: Policy, now: datetime, calendar: WorkdayCalendar | None = None
    ) -> None:
        self.today = local_date(now, policy.timezone)
        self.calendar = calendar if policy.working_days else None
        self._cache: dict[date, int] = {}

    @property
    def is_working_day(self) -> bool:
        return self.calendar is None or self.calendar.is_workday(self.today)

    def days_left(self, deadline: date) -> int:
        """0 on the deadline day, positive before it, negative (days overdue) after it."""
        cached = self._cache.get(deadline)
        if cached is None:
            if self.calendar is None:
                cached = (deadline - self.today).days
            else:
                cached = self.calendar.working_days_between(self.today, deadline)
            self._cache[deadline] = cached
        return cached


def ladder_level(days_left: int | None, ladder: Mapping[str, int]) -> str | None:
    """The highest ladder colour reached: a level starts at `ladder[level]` days overdue."""
    if days_left is None:
        return None
    overdue = -days_left
    reached = None
    for level in LEVELS:
        threshold = ladder.get(level)
        if threshold is not None and overdue >= threshold:
            reached = level
    return reached
