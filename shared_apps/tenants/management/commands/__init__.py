"""The commands Django finds (`manage.py organization|schema_pool|template_refresh`)."""
