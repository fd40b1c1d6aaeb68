"""The benchmark's "one new migration": AddField with a default, plus AddIndex."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deploy_probe", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="gadget", name="colour", field=models.CharField(default="red", max_length=20)
        ),
        migrations.AddIndex(
            model_name="gadget",
            index=models.Index(fields=["colour", "name"], name="probe_gadget_colour_idx"),
        ),
    ]
