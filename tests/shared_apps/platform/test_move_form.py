"""The console's move form on plain PostgreSQL: not offered, and refused with a message.
(Moves on a real Citus cluster: tests/citus/test_console.py.)"""

import pytest

pytestmark = pytest.mark.django_db


def test_the_console_offers_no_move_here_and_refuses_one_with_a_message(staff_client, acme):
    page = staff_client.get(f"/platform/organizations/{acme.slug}/").content.decode()
    assert 'id="move-form"' not in page and 'id="org-node"' not in page
    response = staff_client.post(
        f"/platform/organizations/{acme.slug}/move/",
        {"target": "127.0.0.1:5432", "mode": "block_writes"},
        follow=True,
    )
    assert response.status_code == 200
    assert "not a Citus cluster" in response.content.decode()
    bad = staff_client.post(f"/platform/organizations/{acme.slug}/move/", {"mode": "sideways"})
    assert bad.status_code == 302


def test_the_last_moves_progress_is_shown_on_the_organizations_page(staff_client, acme, globex):
    from shared_apps.tenants.provisioning.move_requests import move_progress_record

    move_progress_record(acme.pk, status="running", line="17 shards: 8192 of 589824 bytes")
    page = staff_client.get(f"/platform/organizations/{acme.slug}/").content.decode()
    assert "17 shards: 8192 of 589824 bytes" in page and 'http-equiv="refresh"' in page
    other = staff_client.get(f"/platform/organizations/{globex.slug}/").content.decode()
    assert 'id="move-progress"' not in other
