"""Integration tests use `engine`, `database_url` and `postgres` from tests/conftest.py."""
