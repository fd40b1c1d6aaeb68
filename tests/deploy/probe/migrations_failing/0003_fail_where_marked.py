"""Fails in any schema holding a table named `fail_here`, after 0002 changed it."""

from django.db import migrations


def fail_where_marked(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('fail_here') IS NOT NULL")
        if cursor.fetchone()[0]:
            raise RuntimeError("this schema is marked to fail (table fail_here exists)")


class Migration(migrations.Migration):
    dependencies = [("deploy_probe", "0002_gadget_colour")]
    operations = [migrations.RunPython(fail_where_marked, migrations.RunPython.noop)]
