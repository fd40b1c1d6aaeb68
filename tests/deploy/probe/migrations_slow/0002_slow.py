"""Takes a second and a half per schema: keeps one run busy while a second one starts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deploy_probe", "0001_initial")]
    operations = [migrations.RunSQL("SELECT pg_sleep(1.5)", migrations.RunSQL.noop)]
