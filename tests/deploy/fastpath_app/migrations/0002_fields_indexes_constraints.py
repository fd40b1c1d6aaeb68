"""Add fields (unique, indexed, with a default), make a nullable column NOT NULL with a
default and a check, add an index and constraints."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deploy_fastpath", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="shelf",
            name="code",
            field=models.CharField(max_length=10, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="book",
            name="isbn",
            field=models.CharField(db_index=True, default="", max_length=13),
        ),
        migrations.AlterField(
            model_name="book", name="pages", field=models.PositiveIntegerField(default=0)
        ),
        migrations.AddIndex(
            model_name="book",
            index=models.Index(fields=["isbn", "pages"], name="fp_book_isbn_pages"),
        ),
        migrations.AddConstraint(
            model_name="book",
            constraint=models.CheckConstraint(
                condition=models.Q(pages__lte=100000), name="fp_book_pages_max"
            ),
        ),
        migrations.AddConstraint(
            model_name="book",
            constraint=models.UniqueConstraint(
                fields=["shelf", "pages"], name="fp_book_pages_per_shelf"
            ),
        ),
    ]
