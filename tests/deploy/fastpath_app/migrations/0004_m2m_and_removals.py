"""A new model and a many-to-many to it; drop an index, a field and a unique constraint
(which Django finds by looking the constraint's name up in the schema)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deploy_fastpath", "0003_renames")]
    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=100)),
            ],
        ),
        migrations.AddField(
            model_name="book",
            name="authors",
            field=models.ManyToManyField(to="deploy_fastpath.author"),
        ),
        migrations.RemoveIndex(model_name="book", name="fp_book_isbn_pages"),
        migrations.RemoveField(model_name="book", name="isbn"),
        migrations.AlterField(
            model_name="bookcase", name="code", field=models.CharField(max_length=20, null=True)
        ),
        migrations.AddIndex(
            model_name="book",
            index=models.Index(fields=["heading"], name="fp_book_heading_idx"),
        ),
    ]
