"""The database layer: our PostgreSQL backend, every advisory lock key, catalog readers.

Owns the ENGINE settings name (backend: django-tenants' backend with a per-context
search_path), the advisory lock keys deploys and provisioning share (locks) and the SQL
that reads PostgreSQL's catalogs (catalog: a schema as DDL, a schema's tables). May import
Django and the core models only; everything else in the kernel may import it.
"""
