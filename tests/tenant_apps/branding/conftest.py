import pytest


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """A private MEDIA_ROOT per test: what a test stores (or fails to) is all there is."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(media_root, organization) -> list[str]:
    folder = media_root / organization.schema_name
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
