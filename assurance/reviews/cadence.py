"""Review periods, due dates and reminder stages. Pure Python: no Django, no database.

Conventions (binding on callers and tests):

* **Dates, not times.** Every rule works on calendar dates in Europe/London. A moment (an
  aware datetime, e.g. "now" in UTC) becomes a date only through :func:`local_date`, so a
  23- or 25-hour day at a clock change never shifts a due date or a stage.
* **Periods** are aligned to the calendar year: a cadence of ``months=1`` gives January,
  February, ...; ``months=3`` gives the quarters Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec.
* **Due dates.** A cadence with ``due_day`` is due on that day of the period's last month,
  clamped to the month's end (``due_day=31`` means "the last day": 28 or 29 February, 30
  April). A cadence with ``due_days_after`` is due that many days after the period ends.
* **Stages.** The stage of an item is a range of ``due_on - today`` in days, so a sweep that
  missed days still finds every item, and sees only its *current* stage:

  ====================  ==========================
  days until due        stage
  ====================  ==========================
  8 or more             none (nothing to send yet)
  2 to 7                ``due_7``
  1                     ``due_1``
  0                     ``due_today``
  -1 to -13             ``overdue``
  -14 or less           ``overdue_14`` (also tells the next level up)
  ====================  ==========================
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

MONTHLY = "monthly"
QUARTERLY = "quarterly"

DUE_7 = "due_7"
DUE_1 = "due_1"
DUE_TODAY = "due_today"
OVERDUE = "overdue"
OVERDUE_14 = "overdue_14"

STAGES = (DUE_7, DUE_1, DUE_TODAY, OVERDUE, OVERDUE_14)
# Evidence with a "counts until" date: its Registered Managers hear 30 and 7 days before.
EXPIRES_30 = "expires_30"
EXPIRES_7 = "expires_7"
STAGE_LABELS = {
    EXPIRES_30: "Stops counting within 30 days",
    EXPIRES_7: "Stops counting within 7 days",
    DUE_7: "Due within 7 days",
    DUE_1: "Due tomorrow",
    DUE_TODAY: "Due today",
    OVERDUE: "Overdue",
    OVERDUE_14: "Overdue by 14 days or more",
}
LEAD_DAYS = 7  # the first reminder goes out this many days before the due date
NEXT_LEVEL_AFTER_DAYS = 14  # overdue this long: the next level up is told too


# --------------------------------------------------------------------------- dates


def local_date(moment: datetime, tz: ZoneInfo = LONDON) -> date:
    """The calendar date in Europe/London at an aware moment (any time zone)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(tz).date()


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """Calendar months later (or earlier), clamping the day to the month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Cadence:
    """How often a kind of review happens and when each one is due."""

    months: int
    due_day: int | None = None  # due on this day of the period's last month (clamped)
    due_days_after: int | None = None  # or this many days after the period ends

    def __post_init__(self):
        if self.months < 1 or 12 % self.months:
            raise ValueError("a review cadence must divide the year: 1, 2, 3, 4, 6 or 12 months")
        if (self.due_day is None) == (self.due_days_after is None):
            raise ValueError("give exactly one of due_day or due_days_after")
        if self.due_day is not None and not 1 <= self.due_day <= 31:
            raise ValueError("due_day must be 1 to 31 (larger days clamp to the month end)")
        if self.due_days_after is not None and self.due_days_after < 0:
            raise ValueError("due_days_after cannot be negative")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    label: str
    due_on: date


def _label(cadence: Cadence, start: date, end: date) -> str:
    if cadence.months == 1:
        return f"{start:%Y-%m}"
    if cadence.months == 3:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if cadence.months == 12:
        return f"{start.year}"
    return f"{start:%Y-%m} to {end:%Y-%m}"


def period_starting(cadence: Cadence, start: date) -> Period:
    if start.day != 1 or (start.month - 1) % cadence.months:
        raise ValueError(f"{start} does not start a {cadence.months}-month period")
    last_month = add_months(start, cadence.months - 1)
    end = month_end(last_month.year, last_month.month)
    if cadence.due_day is not None:
        due_on = date(end.year, end.month, min(cadence.due_day, end.day))
    else:
        due_on = end + timedelta(days=cadence.due_days_after)
    return Period(start=start, end=end, label=_label(cadence, start, end), due_on=due_on)


def period_containing(cadence: Cadence, day: date) -> Period:
    first_month = (day.month - 1) // cadence.months * cadence.months + 1
    return period_starting(cadence, date(day.year, first_month, 1))


def following(cadence: Cadence, period: Period) -> Period:
    return period_starting(cadence, add_months(period.start, cadence.months))


def current_period(cadence: Cadence, today: date) -> Period:
    """The earliest period whose due date is today or later: the one to review next.

    With reviews due after their period ends (quarterly), that can be the period just gone:
    on 5 January the October-December review (due 14 January) is still the current one.
    """
    period = period_starting(cadence, add_months(period_containing(cadence, today).start, -12))
    while period.due_on < today:
        period = following(cadence, period)
    return period


def next_period(cadence: Cadence, after: Period, today: date) -> Period:
    """The review to create when the one for `after` is completed or skipped on `today`.

    Normally the following period; when the completed one was very late, the first period
    not yet past its due date, so a late review never leaves a backlog of overdue ones.
    """
    period = following(cadence, after)
    while period.due_on < today:
        period = following(cadence, period)
    return period


# --------------------------------------------------------------------------- stages


def stage_for(due_on: date, today: date) -> str | None:
    """The reminder stage an item due on `due_on` is at on `today` (None: not yet)."""
    days = (due_on - today).days
    if days > LEAD_DAYS:
        return None
    if days >= 2:
        return DUE_7
    if days == 1:
        return DUE_1
    if days == 0:
        return DUE_TODAY
    if days > -NEXT_LEVEL_AFTER_DAYS:
        return OVERDUE
    return OVERDUE_14


def stage_upper_bounds(today: date) -> list[tuple[str, date]]:
    """(stage, latest due date in that stage), earliest stage first.

    The sweep turns these into one SQL CASE expression, so the database and
    :func:`stage_for` can never disagree: a due date belongs to the first stage whose
    bound it does not pass, and dates after the last bound are at no stage.
    """
    return [
        (OVERDUE_14, today - timedelta(days=NEXT_LEVEL_AFTER_DAYS)),
        (OVERDUE, today - timedelta(days=1)),
        (DUE_TODAY, today),
        (DUE_1, today + timedelta(days=1)),
        (DUE_7, today + timedelta(days=LEAD_DAYS)),
    ]


def horizon(today: date) -> date:
    """The latest due date that is at any stage today."""
    return today + timedelta(days=LEAD_DAYS)


def next_level_cutoff(today: date) -> date:
    """Items due on or before this date are at the stage that also tells the next level up."""
    return today - timedelta(days=NEXT_LEVEL_AFTER_DAYS)


def is_overdue(due_on: date, today: date) -> bool:
    return due_on < today


def needed_after_closing(due_on: date, closed_on: date) -> bool:
    """Whether a review still due when its case closed (or was withdrawn) on ``closed_on``
    was needed: only when it was already overdue by then. A review due on or after the
    closing day is "not needed" (never "missed"); one overdue before the case closed was
    missed, and closing the case does not change that."""
    return is_overdue(due_on, closed_on)


def retry_delay_seconds(attempts: int, *, base: int, cap: int = 3600) -> int:
    """Exponential backoff after `attempts` failed sends: base, 2 x base, 4 x base, ..."""
    return min(cap, base * 2 ** max(0, attempts - 1))


EXPIRY_NOTICE_DAYS = 30


def expiry_stage(valid_until: date, today: date) -> str | None:
    """The reminder stage of evidence that stops counting after `valid_until`: within 7 days,
    within 30 days, or none (further off, or already past)."""
    days = (valid_until - today).days
    if 0 <= days <= 7:
        return EXPIRES_7
    if 7 < days <= EXPIRY_NOTICE_DAYS:
        return EXPIRES_30
    return None
