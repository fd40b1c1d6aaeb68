from django.db import migrations


def add_first_books(apps, schema_editor):
    Bookcase = apps.get_model("deploy_fastpath", "Bookcase")
    Book = apps.get_model("deploy_fastpath", "Book")
    Author = apps.get_model("deploy_fastpath", "Author")
    shelf = Bookcase.objects.create(name="Front")
    book = Book.objects.create(heading="Welcome", pages=12, shelf=shelf)
    book.authors.add(Author.objects.create(name="Tenantry"))


class Migration(migrations.Migration):
    dependencies = [("deploy_fastpath", "0004_m2m_and_removals")]
    operations = [migrations.RunPython(add_first_books, migrations.RunPython.noop)]
