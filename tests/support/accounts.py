"""The test organizations and their people: names, addresses and the one password."""

PASSWORD = "correct horse battery staple"
TEST_ORGANIZATIONS = {"acme": "Acme Corp", "globex": "Globex"}


def owner_email(slug: str) -> str:
    return f"owner@{slug}.test"
