"""The SSRF guard, under the production rule (no private network allowed), with real
resolution, and the URL rules at registration."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from tenant_apps.webhooks import targets


@pytest.fixture
def production_rule(settings):
    settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS = []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost:8000/hooks", "loopback"),  # a name, resolved by the system
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://192.168.0.10/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://[fd12::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://100.100.100.200/", "metadata"),
        ("http://169.254.1.1/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://100.64.0.1/", "not a public address"),
        ("http://[::ffff:10.0.0.1]/", "private"),  # IPv4 inside IPv6
        ("http://[2002:a00:1::]/", "private"),  # 6to4 of 10.0.0.1
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number
    ],
)
def test_a_target_resolving_to_a_non_public_address_is_refused(production_rule, url, reason):
    with pytest.raises(targets.TargetRefused, match=reason):
        targets.resolve(url)


def test_a_public_address_is_sent_to_the_address_that_was_checked(production_rule):
    target = targets.resolve("https://93.184.215.14:8443/hooks?x=1")
    assert (target.address, target.port, target.path) == ("93.184.215.14", 8443, "/hooks?x=1")
    assert target.host_header == "93.184.215.14:8443"


def test_the_test_settings_allow_127_0_0_1_only(settings):
    assert settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS == ["127.0.0.1/32"]
    assert targets.resolve("http://localhost:8000/").address == "127.0.0.1"
    with pytest.raises(targets.TargetRefused):
        targets.resolve("http://127.0.0.2/")
    with pytest.raises(targets.TargetRefused):
        targets.resolve("http://10.0.0.1/")


def test_metadata_addresses_stay_refused_even_when_their_network_is_allowed(settings):
    settings.WEBHOOKS_ALLOWED_PRIVATE_TARGETS = ["169.254.0.0/16"]
    assert targets.address_refusal(ipaddress.ip_address("169.254.1.1")) == ""
    assert "metadata" in targets.address_refusal(ipaddress.ip_address("169.254.169.254"))


def test_the_production_settings_allow_no_private_target():
    from config.settings import base

    assert base.WEBHOOKS_ALLOWED_PRIVATE_TARGETS == []


def test_a_host_that_does_not_resolve_is_worth_a_retry(production_rule):
    with pytest.raises(targets.TargetUnresolved):
        targets.resolve("http://no-such-host.invalid/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/", "Use an http:// or https:// URL."),
        ("javascript:alert(1)", "Use an http:// or https:// URL."),
        ("https://user:pass@example.com/", "Leave credentials out of the URL"),
        ("https://token@example.com/", "Leave credentials out of the URL"),
        ("https://example.com/" + "a" * 2000, "Keep the URL under 2000 characters."),
        ("https://exa mple.com/", "spaces or control characters"),
        ("https:///path", "The URL needs a host name."),
        ("https://example.com:99999/", "The port must be a number from 1 to 65535."),
        ("https://10.0.0.1/hooks", "10.0.0.1 is a private address"),
        ("https://not_a_host/", "Enter a valid URL."),
    ],
)
def test_bad_urls_are_refused_at_registration_with_the_reason(production_rule, url, message):
    with pytest.raises(ValidationError) as refused:
        targets.validate_endpoint_url(url)
    assert message in " ".join(refused.value.messages)


def test_a_good_url_passes(production_rule):
    targets.validate_endpoint_url("https://hooks.example.com/tenantry?source=acme")
