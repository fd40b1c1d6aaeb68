"""The theme choice (docs/ui.md): stored on the user of this organization only, a bad value
refused, and put on <html> by the layout so the first paint has it."""

from django.contrib.auth import get_user_model


def test_a_member_chooses_dark_and_the_layout_renders_it(member_of, acme, in_schema):
    user, client = member_of(acme)
    response = client.post("/ui/theme/", {"theme": "dark"}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204
    with in_schema(acme):
        assert get_user_model().objects.get(pk=user.pk).theme == "dark"
    page = client.get("/members/").content.decode()
    assert '<html lang="en" data-theme="dark" class="dark">' in page


def test_a_bad_theme_is_refused_and_nothing_is_stored(member_of, acme, in_schema):
    user, client = member_of(acme)
    response = client.post("/ui/theme/", {"theme": "neon"})
    assert response.status_code == 400
    with in_schema(acme):
        assert get_user_model().objects.get(pk=user.pk).theme == "system"


def test_the_form_redirects_back_only_to_this_host(member_of, acme):
    _, client = member_of(acme)
    assert client.post("/ui/theme/", {"theme": "light", "next": "/files/"})["Location"] == "/files/"
    evil = client.post("/ui/theme/", {"theme": "light", "next": "https://evil.test/"})
    assert evil["Location"] == "/"


def test_one_organizations_choice_is_not_anothers(member_of, acme, globex, in_schema):
    """Same email at Acme and Globex: separate users in separate schemas."""
    _, acme_client = member_of(acme, email="sam@example.test")
    globex_user, globex_client = member_of(globex, email="sam@example.test")
    acme_client.post("/ui/theme/", {"theme": "dark"})
    with in_schema(globex):
        assert get_user_model().objects.get(pk=globex_user.pk).theme == "system"
    assert 'class="dark"' not in globex_client.get("/members/").content.decode()


def test_a_visitor_may_choose_without_anything_stored(acme_client):
    assert acme_client.post("/ui/theme/", {"theme": "dark"}).status_code == 302
