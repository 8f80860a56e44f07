"""Due dates, periods and reminder stages: the pure rules, and the clock they run on."""

from datetime import UTC, date, datetime, timedelta

import pytest

from assurance.reviews import cadence as reviews
from assurance.reviews.cadence import Cadence

MONTHLY = Cadence(months=1, due_day=28)
MONTH_END = Cadence(months=1, due_day=31)
QUARTERLY = Cadence(months=3, due_days_after=14)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --- the London calendar date, across both clock changes of 2026 -------------------------
# Clocks go forward at 01:00 UTC on Sunday 29 March and back at 01:00 UTC on Sunday 25 October.


@pytest.mark.parametrize(
    ("moment", "london"),
    [
        (utc(2026, 3, 28, 23, 30), date(2026, 3, 28)),  # GMT: same day
        (utc(2026, 3, 29, 0, 30), date(2026, 3, 29)),  # still GMT, just before the change
        (utc(2026, 3, 29, 1, 30), date(2026, 3, 29)),  # 02:30 BST
        (utc(2026, 3, 29, 23, 30), date(2026, 3, 30)),  # 00:30 BST: already tomorrow
        (utc(2026, 10, 24, 23, 30), date(2026, 10, 25)),  # 00:30 BST on the last BST night
        (utc(2026, 10, 25, 0, 30), date(2026, 10, 25)),  # 01:30 BST (first of the two)
        (utc(2026, 10, 25, 1, 30), date(2026, 10, 25)),  # 01:30 GMT (second of the two)
        (utc(2026, 10, 25, 23, 30), date(2026, 10, 25)),  # 23:30 GMT: still the 25th
    ],
)
def test_it_takes_the_date_in_london_across_clock_changes(moment, london):
    assert reviews.local_date(moment) == london


def test_it_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="aware"):
        reviews.local_date(datetime(2026, 3, 29, 12, 0))


def test_it_counts_whole_days_across_the_23_hour_day(time_machine):
    # 7 calendar days before a due date that falls after the spring change is "due in 7
    # days", although only 6 days and 23 hours of clock time separate the two midnights.
    from django.utils import timezone

    time_machine.move_to(utc(2026, 3, 26, 0, 30), tick=False)  # 00:30 GMT on 26 March
    assert timezone.localdate() == date(2026, 3, 26)
    assert reviews.stage_for(date(2026, 4, 2), timezone.localdate()) == reviews.DUE_7
    time_machine.move_to(utc(2026, 4, 1, 23, 30), tick=False)  # 00:30 BST on 2 April
    assert timezone.localdate() == date(2026, 4, 2)
    assert reviews.stage_for(date(2026, 4, 2), timezone.localdate()) == reviews.DUE_TODAY


def test_it_counts_whole_days_across_the_25_hour_day(time_machine):
    from django.utils import timezone

    time_machine.move_to(utc(2026, 10, 24, 22, 30), tick=False)  # 23:30 BST on the 24th
    assert reviews.stage_for(date(2026, 10, 25), timezone.localdate()) == reviews.DUE_1
    time_machine.move_to(utc(2026, 10, 25, 23, 59), tick=False)  # 23:59 GMT on the 25th
    assert reviews.stage_for(date(2026, 10, 25), timezone.localdate()) == reviews.DUE_TODAY
    time_machine.move_to(utc(2026, 10, 26, 0, 0), tick=False)  # midnight GMT: the 26th
    assert reviews.stage_for(date(2026, 10, 25), timezone.localdate()) == reviews.OVERDUE


# --- month arithmetic and due dates ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_it_adds_calendar_months_clamping_to_the_month_end(start, months, expected):
    assert reviews.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("cadence", "day", "due_on", "label"),
    [
        (MONTHLY, date(2026, 2, 10), date(2026, 2, 28), "2026-02"),
        (MONTHLY, date(2028, 2, 10), date(2028, 2, 28), "2028-02"),
        (MONTH_END, date(2026, 1, 5), date(2026, 1, 31), "2026-01"),
        (MONTH_END, date(2026, 2, 5), date(2026, 2, 28), "2026-02"),
        (MONTH_END, date(2028, 2, 5), date(2028, 2, 29), "2028-02"),  # leap year
        (MONTH_END, date(2026, 4, 5), date(2026, 4, 30), "2026-04"),
        (Cadence(months=1, due_day=30), date(2027, 2, 1), date(2027, 2, 28), "2027-02"),
        (QUARTERLY, date(2026, 11, 20), date(2027, 1, 14), "2026-Q4"),  # across the year end
        (QUARTERLY, date(2026, 2, 28), date(2026, 4, 14), "2026-Q1"),
        (Cadence(months=6, due_day=31), date(2026, 8, 1), date(2026, 12, 31), "2026-07 to 2026-12"),
        (Cadence(months=12, due_days_after=0), date(2026, 8, 1), date(2026, 12, 31), "2026"),
    ],
)
def test_it_dates_the_period_containing_a_day(cadence, day, due_on, label):
    period = reviews.period_containing(cadence, day)
    assert (period.due_on, period.label) == (due_on, label)
    assert period.start <= day <= period.end


def test_it_walks_month_end_due_dates_through_a_leap_year_without_drift():
    period = reviews.period_containing(MONTH_END, date(2027, 11, 1))
    dues = []
    for _ in range(6):
        dues.append(period.due_on)
        period = reviews.following(MONTH_END, period)
    assert dues == [
        date(2027, 11, 30),
        date(2027, 12, 31),
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),  # back to the 31st: the date never sticks at the 29th
        date(2028, 4, 30),
    ]


@pytest.mark.parametrize(
    ("cadence", "today", "label"),
    [
        (MONTHLY, date(2026, 11, 28), "2026-11"),  # due today: still this month's
        (MONTHLY, date(2026, 11, 29), "2026-12"),  # past the 28th: next month's
        (MONTHLY, date(2026, 12, 31), "2027-01"),
        (QUARTERLY, date(2027, 1, 5), "2026-Q4"),  # last quarter's review not yet due
        (QUARTERLY, date(2027, 1, 14), "2026-Q4"),
        (QUARTERLY, date(2027, 1, 15), "2027-Q1"),
    ],
)
def test_it_picks_the_current_period(cadence, today, label):
    assert reviews.current_period(cadence, today).label == label


def test_it_creates_the_following_period_after_a_review():
    january = reviews.period_containing(MONTH_END, date(2026, 1, 1))
    february = reviews.next_period(MONTH_END, january, today=date(2026, 1, 31))
    assert (february.label, february.due_on) == ("2026-02", date(2026, 2, 28))
    march = reviews.next_period(MONTH_END, february, today=date(2026, 2, 27))
    assert march.due_on == date(2026, 3, 31)


def test_it_skips_to_the_current_period_after_a_very_late_review():
    january = reviews.period_containing(MONTHLY, date(2026, 1, 1))
    following = reviews.next_period(MONTHLY, january, today=date(2026, 5, 10))
    assert following.label == "2026-05"  # not February: no backlog of overdue reviews


@pytest.mark.parametrize(
    "kwargs",
    [
        {"months": 5, "due_day": 28},
        {"months": 1},
        {"months": 1, "due_day": 28, "due_days_after": 3},
        {"months": 1, "due_day": 0},
        {"months": 3, "due_days_after": -1},
    ],
)
def test_it_refuses_a_cadence_that_makes_no_sense(kwargs):
    with pytest.raises(ValueError):
        Cadence(**kwargs)


# --- reminder stages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (30, None),
        (8, None),
        (7, reviews.DUE_7),
        (2, reviews.DUE_7),
        (1, reviews.DUE_1),
        (0, reviews.DUE_TODAY),
        (-1, reviews.OVERDUE),
        (-13, reviews.OVERDUE),
        (-14, reviews.OVERDUE_14),
        (-20, reviews.OVERDUE_14),
        (-400, reviews.OVERDUE_14),
    ],
)
def test_it_puts_each_due_date_at_one_stage(days, stage):
    today = date(2026, 2, 27)
    assert reviews.stage_for(today + timedelta(days=days), today) == stage


def test_it_derives_the_sql_bounds_from_the_same_rule():
    today = date(2028, 2, 29)
    bounds = reviews.stage_upper_bounds(today)
    assert bounds[-1][1] == reviews.horizon(today)
    assert bounds[0] == (reviews.OVERDUE_14, reviews.next_level_cutoff(today))
    for days in range(-40, 20):
        due = today + timedelta(days=days)
        by_bounds = next((stage for stage, hi in bounds if due <= hi), None)
        assert by_bounds == reviews.stage_for(due, today), due


def test_it_backs_off_exponentially_up_to_a_cap():
    delays = [reviews.retry_delay_seconds(n, base=60) for n in range(1, 9)]
    assert delays == [60, 120, 240, 480, 960, 1920, 3600, 3600]


# --- reviews of a case that closed -------------------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "closed_on", "needed"),
    [
        (date(2026, 10, 28), date(2026, 10, 20), False),  # closed before it was due
        (date(2026, 10, 28), date(2026, 10, 28), False),  # closed on the day it was due
        (date(2026, 10, 28), date(2026, 10, 29), True),  # already overdue: it was missed
    ],
)
def test_a_review_of_a_closed_case_was_needed_only_if_overdue_by_then(due_on, closed_on, needed):
    assert reviews.needed_after_closing(due_on, closed_on) is needed
