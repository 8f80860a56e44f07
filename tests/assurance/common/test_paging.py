"""The shared paging helper: links keep the filters, bad page numbers never fail."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from assurance.common.lists import page_url, paginate

ROWS = list(range(1, 46))  # 45 rows: 3 pages of 20


def _page(query, **kwargs):
    return paginate(RequestFactory().get(f"/list/?{query}"), ROWS, 20, **kwargs)


def test_it_keeps_the_filters_in_page_links():
    assert page_url(QueryDict("status=open&domain=x&page=4"), 2) == "?status=open&domain=x&page=2"


def test_it_leaves_the_page_number_out_for_the_first_page():
    assert page_url(QueryDict("status=open&page=4"), 1) == "?status=open"
    assert page_url(QueryDict("page=4"), 1) == "?"


def test_it_keeps_repeated_values():
    assert page_url(QueryDict("kq=a&kq=b"), 3) == "?kq=a&kq=b&page=3"


def test_it_gives_each_page_its_links():
    page = _page("status=open&page=2")
    assert list(page.object_list) == list(range(21, 41))
    assert page.previous_url == "?status=open"
    assert page.next_url == "?status=open&page=3"
    assert page.first_url == "?status=open"
    assert page.last_url == "?status=open&page=3"
    assert page.notice == ""


def test_a_page_under_its_own_name_leaves_the_others_alone():
    page = _page("page=3&due_page=2", param="due_page")
    assert page.number == 2
    assert page.next_url == "?page=3&due_page=3"


@pytest.mark.parametrize(
    ("value", "number", "notice"),
    [
        ("", 1, ""),
        ("abc", 1, "“abc” is not a page number: showing the first page."),
        ("2.5", 1, "“2.5” is not a page number: showing the first page."),
        ("0", 1, "Pages start at 1: showing the first page."),
        ("-3", 1, "Pages start at 1: showing the first page."),
        ("99", 3, "There is no page 99: showing the last page, page 3."),
        ("9" * 5000, 1, "“99999999999999999999” is not a page number: showing the first page."),
    ],
)
def test_a_bad_page_number_gives_the_first_or_last_page_and_says_so(value, number, notice):
    page = _page(f"page={value}")
    assert page.number == number
    assert page.notice == notice


def test_an_empty_list_has_one_empty_page():
    page = paginate(RequestFactory().get("/list/?page=5"), [], 20)
    assert page.number == 1 and list(page.object_list) == []
    assert not page.has_other_pages()
