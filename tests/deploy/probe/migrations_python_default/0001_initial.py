"""The same first migration as v1."""

from importlib import import_module

Migration = import_module("tests.deploy.probe.migrations_v1.0001_initial").Migration
