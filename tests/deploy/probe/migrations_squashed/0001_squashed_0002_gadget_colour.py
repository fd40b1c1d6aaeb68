"""v2's two migrations squashed into one, as `squashmigrations` would write it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [("deploy_probe", "0001_initial"), ("deploy_probe", "0002_gadget_colour")]
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Gadget",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
                ("colour", models.CharField(default="red", max_length=20)),
            ],
            options={
                "indexes": [models.Index(fields=["colour", "name"], name="probe_gadget_colour_idx")]
            },
        ),
    ]
