"""Waits while the test holds advisory lock 4242: keeps one run busy, holding the migration
lock, for as long as the test needs."""

from django.db import migrations

from tests.deploy.probe.migrations_blocking import TEST_GATE_LOCK


class Migration(migrations.Migration):
    dependencies = [("deploy_probe", "0001_initial")]
    operations = [
        migrations.RunSQL(
            f"SELECT pg_advisory_xact_lock_shared({TEST_GATE_LOCK})", migrations.RunSQL.noop
        )
    ]
