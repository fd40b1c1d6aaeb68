"""Rename a field and a model (the foreign key to it follows; so does its content type)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("deploy_fastpath", "0002_fields_indexes_constraints")]
    operations = [
        migrations.RenameField(model_name="book", old_name="title", new_name="heading"),
        migrations.RenameModel(old_name="Shelf", new_name="Bookcase"),
    ]
