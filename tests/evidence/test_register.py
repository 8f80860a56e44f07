"""The evidence register: a location's evidence, filtered and paged, in constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.builders import add_evidence, open_case

pytestmark = pytest.mark.django_db

REGISTER_QUERIES = 11


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_it_lists_a_locations_evidence_in_constant_queries(
    client, location, team, quality_lead, viewer, django_assert_max_num_queries
):
    case = open_case(location=location, actor=quality_lead)
    add_evidence(case, quality_lead, team=team)
    client.force_login(viewer)
    url = reverse("evidence:location_register", args=[location.uuid])
    one, _ = _queries(client, url)
    for i in range(59):
        add_evidence(case, quality_lead, team=team if i % 2 else None, days_ago=i % 40 + 1)
    with django_assert_max_num_queries(REGISTER_QUERIES):
        many, response = _queries(client, url)
    assert one == many
    page = response.context["page"]
    assert len(page.object_list) == 50 and page.paginator.count == 60
    assert "Page 1 of 2" in response.content.decode()


def test_it_hides_the_register_from_an_outsider(client, location, outsider):
    client.force_login(outsider)
    url = reverse("evidence:location_register", args=[location.uuid])
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
