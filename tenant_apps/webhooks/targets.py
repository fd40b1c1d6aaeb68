"""Where a webhook may go: URL rules at registration, the address rule at send time (SSRF).

An admin chooses the URL, and the workers that send it sit beside the platform's database,
Redis and the cloud's metadata service. So at send time the host is resolved and every
address it resolves to is checked: loopback, private, link-local, multicast, reserved,
unspecified, shared (100.64/10) and cloud metadata addresses are refused, unless
`WEBHOOKS_ALLOWED_PRIVATE_TARGETS` names them (the test settings allow 127.0.0.1; metadata
addresses never). The request then goes to the very address that was checked, with the
URL's Host header and TLS server name (SNI and certificate check): a DNS answer that
changes between the check and the connection (rebinding) cannot move it. Redirects are
not followed (they would lead past the check).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_URL_LENGTH = 2000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# AWS, GCP, Azure (169.254.169.254, also link-local), AWS over IPv6, Alibaba, Oracle.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)


class TargetRefused(ValueError):
    """The URL's host is, or resolves to, an address webhooks may not reach."""


class TargetUnresolved(OSError):
    """The host did not resolve (perhaps for now: worth a retry)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA) host name or IP literal, for the Host header and SNI
    port: int
    address: str  # the checked address the request is sent to
    path: str

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def address_refusal(address: IPAddress) -> str:
    """Why `address` may not receive webhooks ("" when it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_refusal(embedded)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    allowed = [ipaddress.ip_network(net) for net in settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS]
    if any(address in network for network in allowed if network.version == address.version):
        return ""
    for kind in ("loopback", "link_local", "multicast", "reserved", "unspecified", "private"):
        if getattr(address, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    return "" if address.is_global else "not a public address"


def validate_endpoint_url(url: str) -> None:
    """The rules an endpoint's URL meets when it is registered (ValidationError otherwise)."""
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(f"Keep the URL under {MAX_URL_LENGTH} characters.")
    if any(char.isspace() or ord(char) < 32 for char in url):
        raise ValidationError("The URL contains spaces or control characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError("Use an http:// or https:// URL.")
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            "Leave credentials out of the URL: each delivery is signed with the endpoint's "
            "secret instead."
        )
    if not parts.hostname:
        raise ValidationError("The URL needs a host name.")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError:
        raise ValidationError("The port must be a number from 1 to 65535.") from None
    URLValidator(schemes=["http", "https"], message="Enter a valid URL.")(url)
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return  # a name: checked after resolution, at every delivery
    reason = address_refusal(literal)
    if reason:
        raise ValidationError(f"{literal} is {reason}: webhooks go to public addresses only.")


def resolve(url: str) -> Target:
    """The address to send to, after checking everything the host resolves to."""
    parts = urlsplit(url)
    scheme, hostname = parts.scheme.lower(), parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    try:
        host = hostname if _is_literal(hostname) else hostname.encode("idna").decode()
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetUnresolved(f"{hostname} does not resolve ({error}).") from error
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    # Every answer is checked: a name with one public and one private address is refused.
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise TargetRefused(f"{hostname} resolves to {address}, {reason}.")
    if not addresses:
        raise TargetUnresolved(f"{hostname} has no address.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, address=str(addresses[0]), path=path)


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST to the checked address; the response's status code (its body is not kept)."""
    options = {
        "port": target.port,
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            cert_reqs="CERT_REQUIRED",
            assert_hostname=target.host,
            server_hostname=target.host,
            **options,
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, **options)
    with pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": target.host_header},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        response.read(64 * 1024)
        response.release_conn()
        return response.status


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
