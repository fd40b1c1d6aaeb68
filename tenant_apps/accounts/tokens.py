"""Password-reset tokens that are valid only in the organization that made them.

Django's token is an HMAC over the user's id, password hash, last sign-in and email, with
the platform's secret: a user with the same id and the same state in another schema (a
restored export, an account copied across) would accept it there. The schema in the key
salt makes the token mean "this user of this organization" (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR).
"""

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator

from shared_apps.tenants.runtime.signing import schema_salt


class SchemaBoundPasswordResetTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    @property
    def key_salt(self) -> str:  # type: ignore[override]
        return schema_salt("tenantry.password-reset")
