"""Validators match the whole value (issue 28): '$' also matches before a final newline, so
'web\\n' passed as a certificate name and 'web-1\\n.example.internal' as a SAN label. Numbers
are ASCII digits within bounds, and a scoped IPv6 address (which no certificate can carry) is
refused."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.filter.certificate_plan import certificate_plan
from ansible_collections.certfleet.pki.plugins.filter.tls_sites import tls_sites
from ansible_collections.certfleet.pki.plugins.module_utils._names import (
    DeclarationError,
    account_name,
    config_path,
    dns_name,
    environment_name,
    safe_name,
    subject_alt_name,
    whole_number,
)

ISSUERS = {"hsm": {"provider": "pkcs11", "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "pki",
                   "key_label": "ca", "ca_certificate": "PEM", "pin": "secret-pin"}}


@pytest.mark.parametrize("check, value", [
    (safe_name, "web\n"),
    (lambda value, field: dns_name(value, field, wildcard=True), "web-1\n.example.internal"),
    (dns_name, "web-1.example.internal\n"),
    (subject_alt_name, "DNS:web-1\n.example.internal"),
    (subject_alt_name, "DNS:www.example.internal\n"),
    (subject_alt_name, "IP:fe80::1%eth0"),
    (account_name, "www-data\n"),
    (config_path, "/etc/certfleet\n"),
    (environment_name, "X=1 ; id > /tmp/x ; Y"),
    (environment_name, "AWS_PROFILE\n"),
    (environment_name, "1ST"),
])
def test_a_value_with_a_trailing_newline_or_a_scope_is_refused_naming_it(check, value):
    with pytest.raises(DeclarationError) as error:
        check(value, "field")
    assert str(error.value).startswith("field %r " % (value,))


@pytest.mark.parametrize("value", ["²", "٣٠", "1e3", "-1", "", True, 3000000, "3000000", None, 1.5])
def test_whole_numbers_are_ascii_digits_within_bounds(value):
    with pytest.raises(DeclarationError) as error:
        whole_number(value, "validity_days", 1, 9125)
    assert "must be a whole number from 1 to 9125" in str(error.value)


def test_whole_numbers_and_environment_names_that_fit_pass():
    assert whole_number("90", "validity_days", 1, 9125) == 90 and whole_number(443, "port", 1, 65535) == 443
    assert environment_name("AWS_SHARED_CREDENTIALS_FILE", "environment key") == "AWS_SHARED_CREDENTIALS_FILE"


@pytest.mark.parametrize("fields, refused", [
    ({"name": "web\n"}, "name 'web\\n'"),
    ({"common_name": "web-1.example.internal\n"}, "common_name 'web-1.example.internal\\n'"),
    ({"subject_alt_names": ["DNS:web-1\n.example.internal"]}, "'DNS:web-1\\n.example.internal'"),
    ({"validity_days": "²"}, "validity_days '²' must be a whole number from 1 to 9125"),
    ({"validity_days": 3000000}, "validity_days 3000000 must be a whole number from 1 to 9125"),
    ({"subject_alt_names": ["IP:fe80::1%eth0"]}, "'IP:fe80::1%eth0' is not an IP address"),
])
def test_the_plan_refuses_what_would_have_reached_a_ca(fields, refused):
    declared = dict({"name": "web", "issuer": "hsm", "common_name": "web-1.example.internal"}, **fields)
    with pytest.raises(AnsibleFilterError) as error:
        certificate_plan([declared], ISSUERS, "web-1")
    assert refused in str(error.value)


def test_an_issuer_environment_name_that_a_shell_would_run_is_refused_without_its_value():
    issuers = {"hsm": dict(ISSUERS["hsm"], environment={"X=1 ; id > /tmp/x ; Y": "value-not-shown"})}
    with pytest.raises(AnsibleFilterError) as error:
        certificate_plan([{"name": "web", "issuer": "hsm", "common_name": "web-1.example.internal"}], issuers, "web-1")
    message = str(error.value)
    assert message.startswith("issuer 'hsm': environment key 'X=1 ; id > /tmp/x ; Y' is not an environment variable name")
    assert "value-not-shown" not in message


@pytest.mark.parametrize("site, refused", [
    ({"port": "²"}, "port '²' must be a whole number from 1 to 65535"),
    ({"port": "443\n"}, None),  # surrounding white space is not part of the number
    ({"listen_address": "fe80::1%eth0"}, "listen_address 'fe80::1%eth0' is not an IP address"),
    ({"client_auth": {"ca_file": "/etc/ca.pem", "depth": "³"}}, "client_auth.depth '³' must be a whole number from 1 to 99"),
])
def test_site_numbers_are_ascii_digits(site, refused):
    declared = dict({"name": "www", "certificate": "web"}, **site)
    if refused is None:
        assert tls_sites([declared], "web-1.example.internal")[0]["port"] == 443
        return
    with pytest.raises(AnsibleFilterError) as error:
        tls_sites([declared], "web-1.example.internal")
    assert refused in str(error.value)


# Issue 29, defect 10: a single-label pattern allows names below it, not the wildcard itself.
@pytest.mark.parametrize("policy, allowed", [
    ({"allowed_names": ["*.example.com"]}, False),
    ({"allowed_names": ["*.example.com"], "allow_wildcards": True}, True),
    ({"allowed_names": ["*.corp.example.com"], "allow_wildcards": True}, False),
    ({}, True),  # no policy: any name
])
def test_a_wildcard_certificate_must_be_allowed_explicitly(policy, allowed):
    from ansible_collections.certfleet.pki.plugins.module_utils._issuance_policy import PolicyError, check_allowed
    if allowed:
        check_allowed(["DNS:*.example.com"], None, None, policy)
        return
    with pytest.raises(PolicyError) as error:
        check_allowed(["DNS:*.example.com"], None, None, policy)
    assert str(error.value).startswith("DNS:*.example.com is a wildcard")
    if policy["allowed_names"] == ["*.example.com"]:
        check_allowed(["DNS:www.example.com"], None, None, policy)  # what the pattern is for
