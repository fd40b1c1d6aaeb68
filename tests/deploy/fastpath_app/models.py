"""The models as the app's migrations leave them (content types and permissions are made
from these)."""

from django.db import models


class Bookcase(models.Model):
    name = models.CharField(max_length=50)
    code = models.CharField(max_length=20, null=True)


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    heading = models.CharField(max_length=100)
    pages = models.PositiveIntegerField(default=0)
    shelf = models.ForeignKey(Bookcase, on_delete=models.CASCADE)
    authors = models.ManyToManyField(Author)

    class Meta:
        indexes = [models.Index(fields=["heading"], name="fp_book_heading_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(pages__lte=100000), name="fp_book_pages_max"),
            models.UniqueConstraint(fields=["shelf", "pages"], name="fp_book_pages_per_shelf"),
        ]
