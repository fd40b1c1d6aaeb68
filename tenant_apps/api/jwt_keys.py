"""RS256 signing keys: one PEM file per key in JWT_PRIVATE_KEYS_DIR (mounted, never in the
repository), named by its `kid`, which begins with its creation time.

The newest key signs. An older key stays published (and accepted) until the access tokens
it signed have expired: its successor's creation time + JWT_ACCESS_TOKEN_SECONDS. After
that it is retired: refused, unpublished, and deleted by `manage.py jwt_keys rotate`.
"""

import datetime
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils import timezone
from jwt.algorithms import RSAAlgorithm

_KID_TIME = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created_at: datetime.datetime
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict:
        jwk = RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


def _directory() -> Path:
    return Path(settings.JWT_PRIVATE_KEYS_DIR)


def key_generate(*, directory: Path | None = None, created_at=None) -> str:
    """A new 2048-bit RSA key written as <kid>.pem (mode 0600); returns its kid."""
    directory = directory or _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    created_at = created_at or timezone.now()
    kid = f"{created_at.astimezone(datetime.UTC):{_KID_TIME}}-{secrets.token_hex(4)}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = directory / f"{kid}.pem"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    return kid


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return key


def all_keys() -> list[SigningKey]:
    """Every key file, oldest first (re-read when a file changes: rotation needs no restart)."""
    directory = _directory()
    if not directory.is_dir():
        return []
    keys = []
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if not entry.name.endswith(".pem"):
            continue
        kid = entry.name.removesuffix(".pem")
        created = datetime.datetime.strptime(kid.split("-")[0], _KID_TIME).replace(
            tzinfo=datetime.UTC
        )
        keys.append(SigningKey(kid, created, _load(entry.path, entry.stat().st_mtime_ns)))
    return sorted(keys, key=lambda k: (k.created_at, k.kid))


def _retires_at(successor: SigningKey) -> datetime.datetime:
    return successor.created_at + datetime.timedelta(seconds=settings.JWT_ACCESS_TOKEN_SECONDS)


def published_keys() -> list[SigningKey]:
    """The current key and the predecessors whose tokens may still be unexpired."""
    keys = all_keys()
    now = timezone.now()
    return [
        key
        for key, successor in zip(keys, [*keys[1:], None], strict=True)
        if successor is None or _retires_at(successor) > now
    ]


def current_key() -> SigningKey | None:
    keys = all_keys()
    return keys[-1] if keys else None


def jwks() -> dict:
    return {"keys": [key.public_jwk() for key in published_keys()]}


def keys_prune() -> list[str]:
    """Delete retired key files; returns their kids."""
    published = {key.kid for key in published_keys()}
    retired = [key.kid for key in all_keys() if key.kid not in published]
    for kid in retired:
        (_directory() / f"{kid}.pem").unlink(missing_ok=True)
    return retired
