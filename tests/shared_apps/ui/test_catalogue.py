"""The component catalogue (dev and test settings only) renders every component."""


def test_the_catalogue_shows_each_component(member_of, acme):
    _, client = member_of(acme)
    response = client.get("/ui/components/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="table-wrap"' in page and 'x-data="confirmModal"' in page
