"""A default computed in Python: each schema's SQL carries its own value."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deploy_probe", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="gadget", name="token", field=models.UUIDField(default=uuid.uuid4)
        ),
    ]
