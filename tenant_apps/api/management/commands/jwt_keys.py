"""`manage.py jwt_keys rotate|list|prune`: the RS256 keys that sign API access tokens."""

from django.core.management.base import BaseCommand

from tenant_apps.api.jwt_keys import (
    all_keys,
    current_key,
    key_generate,
    keys_prune,
    published_keys,
)


class Command(BaseCommand):
    help = (
        "rotate: add a new signing key (the previous one stays published until its tokens "
        "expire) and delete retired keys; list: show keys; prune: delete retired keys."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["rotate", "list", "prune"])

    def handle(self, *args, action: str, **options) -> None:
        if action == "rotate":
            kid = key_generate()
            self.stdout.write(f"new signing key {kid}")
        if action in ("rotate", "prune"):
            for kid in keys_prune():
                self.stdout.write(f"deleted retired key {kid}")
        if action == "list":
            published = {key.kid for key in published_keys()}
            signing = current_key()
            for key in all_keys():
                state = (
                    "signing"
                    if key == signing
                    else "published"
                    if key.kid in published
                    else "retired"
                )
                self.stdout.write(f"{key.kid} {state}")
