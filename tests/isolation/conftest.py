"""The cross-organization leak suite shares the S3 stand-in set-up of the files tests."""

from tests.tenant_apps.files.conftest import s3_storage_settings  # noqa: F401
