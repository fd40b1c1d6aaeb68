"""Generated input to the API's write endpoints: always a 4xx or a 2xx, never a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=10,
)
_fields = st.fixed_dictionaries(
    {},
    optional={
        "name": _json,
        "scope": _json,
        "lifetime_days": _json,
        "email": _json,
        "role": _json,
        "refresh_token": _json,
    },
)
_paths = st.sampled_from(
    [
        "/api/v1/projects/",
        "/api/v1/tokens/",
        "/api/v1/invitations/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/token/revoke/",
    ]
)
_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@_SETTINGS
@given(path=_paths, body=_json | _fields)
def test_generated_json_bodies_never_cause_a_5xx(acme_owner_client, path, body):
    response = acme_owner_client.post(path, body, content_type="application/json")
    assert response.status_code < 500, (path, body, response.content)


@_SETTINGS
@given(
    query=st.dictionaries(
        st.sampled_from(["cursor", "page_size", "ordering", "name", "created_after", "scope"]),
        st.text(max_size=30),
        max_size=4,
    ),
    path=st.sampled_from(["/api/v1/projects/", "/api/v1/tokens/", "/api/v1/members/"]),
)
def test_generated_query_strings_never_cause_a_5xx(acme_owner_client, path, query):
    response = acme_owner_client.get(path, query)
    assert response.status_code < 500, (path, query, response.content)


@_SETTINGS
@given(header=st.text(max_size=80).filter(lambda s: "\n" not in s and "\r" not in s))
def test_generated_authorization_headers_are_401_not_5xx(acme_client, header):
    response = acme_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {header}")
    assert response.status_code in (401, 403), (header, response.content)
