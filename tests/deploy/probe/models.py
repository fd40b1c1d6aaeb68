from django.db import models


class Gadget(models.Model):
    name = models.CharField(max_length=100)
