"""The first stage of the identity test: only the app's first migration (the same one)."""

from importlib import import_module

Migration = import_module("tests.deploy.fastpath_app.migrations.0001_initial").Migration
