"""Platform API tokens gain a scope and an expiry.

Tokens made before keep what they could do (read-write) and get the longest lifetime from
the upgrade on, so no integration stops without notice.
"""

import datetime

from django.db import migrations, models
from django.utils import timezone

MAX_LIFETIME_DAYS = 366  # shared_apps/platform/api_tokens.py, frozen here


def existing_tokens_keep_working(apps, schema_editor):
    token_model = apps.get_model("tenants", "PlatformAPIToken")
    token_model.objects.update(
        scope="read-write",
        expires_at=timezone.now() + datetime.timedelta(days=MAX_LIFETIME_DAYS),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0007_organization_pending_owner"),
    ]

    operations = [
        migrations.AddField(
            model_name="platformapitoken",
            name="scope",
            field=models.CharField(
                choices=[("read", "Read"), ("read-write", "Read and write")],
                default="read",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="platformapitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(existing_tokens_keep_working, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="platformapitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
