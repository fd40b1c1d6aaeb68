"""Helpers shared by several test files (conftest.py holds fixtures only; import these)."""
