"""Hostile input to the platform API and the console gets a clear 4xx, never a 500
(issue 17, item 9). The named cases first, then generated ones (hypothesis): the profile
is chosen in tests/conftest.py (`--hypothesis-profile=thorough` for a longer run)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_apps.tenants.models import Organization

pytestmark = pytest.mark.django_db

# Each generated case is an HTTP request through the whole stack, inside the test's
# transaction (function-scoped fixtures are shared by the cases, on purpose).
generated = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


# (body, status, message): unreadable bodies are a 400, readable ones with invalid fields a
# 422 (the tenant API's mapping, shared_apps/api/envelope.py).
_BODIES = [
    (b'{"name": "\xff\xfe"}', 400, "not UTF-8"),
    (b"\xff\xfe\x00{", 400, "not UTF-8"),
    (b'{"name": "Ac\\u0000me", "slug": "nul-org", "owner_email": "a@b.test"}', 422, "control"),
    (b'{"name": "Acme", "plan": "fr\\u0000ee"}', 422, "Choose"),
    (b'{"name": "\\ud800"}', 422, "valid"),
    (b'{"name": "a\x00b"}', 400, "not valid JSON"),
    (b'["a list"]', 400, "JSON object"),
]


@pytest.mark.parametrize(
    ("method", "body", "status", "message"),
    [(method, *case) for method in ("post", "patch") for case in _BODIES]
    + [
        (
            "post",
            b'{"name": "A", "slug": "nul\\u0000org", "owner_email": "a@b.test"}',
            422,
            "slug",
        )
    ],
)
def test_hostile_bodies_are_a_4xx_with_a_message(api, method, body, status, message):
    path = "organizations/" if method == "post" else "organizations/acme/"
    response = api(method, path, body)
    assert response.status_code == status, response.content
    assert response.json()["data"] is None
    assert message in response.content.decode()
    assert Organization.objects.get(slug="acme").name == "Acme Corp"
    assert not Organization.objects.filter(slug__startswith="nul").exists()


@pytest.mark.parametrize("parameter", ["q", "status", "plan"])
def test_a_nul_in_a_query_parameter_is_a_422(api, parameter):
    response = api("get", "organizations/", {parameter: "ac\x00me"})
    assert response.status_code == 422
    assert parameter in response.json()["error"]["fields"]


def test_an_owner_email_with_a_line_break_is_refused_before_anything_is_made(api):
    body = {"name": "Evil", "slug": "evil-corp", "owner_email": "a@evil.test\r\nBcc: x@y.test"}
    response = api("post", "organizations/", body)
    assert response.status_code == 422
    assert "control characters" in str(response.json()["error"]["fields"]["owner_email"])
    assert not Organization.objects.filter(slug="evil-corp").exists()


def test_a_console_rename_with_a_nul_is_refused_with_a_message(staff_client, acme):
    response = staff_client.post(
        "/platform/organizations/acme/rename/", {"name": "Ac\x00me"}, follow=True
    )
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    acme.refresh_from_db()
    assert acme.name == "Acme Corp"


# Text as an attacker sends it: any code point (NUL, CR/LF, CJK…); in JSON also lone
# surrogates, which a URL or a form can't carry.
hostile_text = st.text(st.characters(codec="utf-8"), max_size=300)
json_text = st.text(st.characters(exclude_categories=()), max_size=300)
json_value = st.one_of(
    json_text, st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
    st.lists(json_text, max_size=3), st.dictionaries(json_text, json_text, max_size=2),
)  # fmt: skip
fields = st.sampled_from(["name", "slug", "owner_email", "plan", "email"])


@generated
@given(body=st.dictionaries(fields, json_value, max_size=5))
def test_generated_api_creations_are_never_a_5xx(api, body):
    assert api("post", "organizations/", body).status_code < 500


@generated
@given(body=st.one_of(st.dictionaries(fields, json_value, max_size=4), st.binary(max_size=200)))
def test_generated_api_updates_are_never_a_5xx(api, body):
    assert api("patch", "organizations/acme/", body).status_code < 500


@generated
@given(
    params=st.dictionaries(st.sampled_from(["q", "status", "plan", "page"]), hostile_text),
    action=st.sampled_from(["", "acme/", "acme/owner-invitation/", "acme/export/"]),
)
def test_generated_api_reads_and_actions_are_never_a_5xx(api, params, action):
    method = "get" if action in ("", "acme/") else "post"
    assert api(method, f"organizations/{action}", params).status_code < 500


@generated
@given(
    data=st.dictionaries(st.sampled_from(["name", "slug", "owner_email", "plan"]), hostile_text),
    path=st.sampled_from(
        ["organizations/new/", "organizations/acme/rename/", "organizations/acme/plan/",
         "organizations/acme/owner/", "organizations/acme/domains/"]
    ),
)  # fmt: skip
def test_generated_console_forms_are_never_a_5xx(staff_client, data, path):
    data = {**data, "domain": data.get("name", ""), "email": data.get("owner_email", "")}
    assert staff_client.post(f"/platform/{path}", data).status_code < 500


@generated
@given(params=st.dictionaries(st.sampled_from(["q", "status", "plan", "sort", "page", "slug"]),
                              hostile_text))  # fmt: skip
def test_generated_console_searches_are_never_a_5xx(staff_client, params):
    assert staff_client.get("/platform/", params).status_code < 500
    assert staff_client.get("/platform/organizations/check-slug/", params).status_code < 500
