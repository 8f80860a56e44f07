"""The OpenAPI schema is served, describes every endpoint and validates."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/providers/",
    "/api/v1/locations/",
    "/api/v1/teams/",
    "/api/v1/cases/",
    "/api/v1/cases/{uuid}/",
    "/api/v1/evidence/",
    "/api/v1/files/{uuid}/download/",
    "/api/v1/escalations/",
    "/api/v1/reviews/",
    "/api/v1/report-runs/",
    "/api/v1/report-runs/{uuid}/download/",
]


def test_the_schema_is_served_and_validates(client):
    response = client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert set(ENDPOINTS) <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["personalAccessToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token from your API tokens page.",
    }
    # Read-only: nothing but GET.
    methods = {method for path in schema["paths"].values() for method in path}
    assert methods == {"get"}
    case_filters = {p["name"] for p in schema["paths"]["/api/v1/cases/"]["get"]["parameters"]}
    assert {"location", "provider", "domain", "status", "step", "cursor"} <= case_filters


def test_the_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")
