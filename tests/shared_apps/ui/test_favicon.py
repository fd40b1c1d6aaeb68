"""One SVG favicon, linked from the app's layout and the error pages' layout."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db

LINK = re.compile(r'<link rel="icon" href="([^"]+favicon[^"]*\.svg)" type="image/svg\+xml">')


def test_the_organization_and_platform_hosts_link_the_favicon(acme_client, public_client):
    # The console's layout extends the same base.html.
    for client in (acme_client, public_client):
        assert LINK.search(client.get("/accounts/login/").content.decode())


def test_an_error_page_links_the_favicon_and_the_file_is_an_svg():
    response = Client(HTTP_HOST=f"nobody.{settings.PLATFORM_DOMAIN}").get("/")
    assert response.status_code == 404
    assert LINK.search(response.content.decode())
    path = finders.find("img/favicon.svg")
    assert path and Path(path).read_text().startswith("<svg")
