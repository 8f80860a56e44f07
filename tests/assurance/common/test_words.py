from datetime import date

from assurance.common.words import month_words, period_words, quarter_words


def test_it_says_a_month_as_people_do():
    assert month_words(date(2026, 10, 1)) == "October 2026"
    assert period_words(date(2026, 10, 1), date(2026, 10, 31)) == "October 2026"


def test_it_says_a_quarter_as_a_span_of_months():
    assert quarter_words(2026, 3) == "July to September 2026"
    assert period_words(date(2026, 7, 1), date(2026, 9, 30)) == "July to September 2026"
    assert period_words(date(2026, 11, 1), date(2027, 1, 31)) == "November 2026 to January 2027"


def test_reviews_name_their_period_in_words():
    from assurance.reviews.models import Review, ReviewKind

    monthly = Review(
        kind=ReviewKind.MONTHLY,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        period_label="2026-10",
    )
    quarterly = Review(
        kind=ReviewKind.QUARTERLY,
        period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30),
        period_label="2026-Q3",
    )
    assert monthly.period_words == "October 2026"
    assert quarterly.period_words == "July to September 2026"
