import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from tests.conftest import PASSWORD


@pytest.fixture
def staff(db):
    with schema_context("public"):
        return get_user_model().objects.create_superuser("ops@platform.test", PASSWORD)


@pytest.fixture
def staff_client(client_for, staff):
    client = client_for(None)
    with schema_context("public"):
        client.force_login(staff)
    return client


@pytest.fixture
def eager_tasks():
    """Run queued tasks in-line (the worker path itself is tested with a real worker in
    the background-work tests); on_commit hooks still have to be captured to fire."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False
