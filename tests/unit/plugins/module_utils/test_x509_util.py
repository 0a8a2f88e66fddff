import ipaddress

import pytest
from cryptography import x509

from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    InputError,
    format_general_name,
    load_certificates,
    parse_general_name,
    parse_subject,
    read_pem_input,
)


@pytest.mark.parametrize("text, name", [
    ("DNS:www.example.internal", x509.DNSName("www.example.internal")),
    ("IP:10.0.0.5", x509.IPAddress(ipaddress.ip_address("10.0.0.5"))),
    ("IP:fd00::1", x509.IPAddress(ipaddress.ip_address("fd00::1"))),
    ("URI:spiffe://example/web", x509.UniformResourceIdentifier("spiffe://example/web")),
    ("email:pki@example.internal", x509.RFC822Name("pki@example.internal")),
])
def test_general_names_round_trip(text, name):
    assert parse_general_name(text) == name
    assert format_general_name(name) == text


@pytest.mark.parametrize("text, message", [
    ("www.example.internal", "must look like DNS:name"),
    ("IP:10.0.0.500", "is not an IP address"),
    ("RID:1.2.3", "unsupported type 'RID'"),
])
def test_bad_general_names_are_named(text, message):
    with pytest.raises(InputError, match=message):
        parse_general_name(text)


def test_subject_short_and_long_keys():
    subject = parse_subject({"CN": "Root", "organizationName": "Example"})
    assert subject.rfc4514_string() == "O=Example,CN=Root"
    with pytest.raises(InputError, match="unknown subject attribute 'XX'"):
        parse_subject({"XX": "y"})


def test_pem_input_from_content_or_path(tmp_path):
    missing = tmp_path / "nope.pem"
    with pytest.raises(InputError, match="neither PEM content nor an existing file"):
        read_pem_input(str(missing), "ca_certificate")
    not_pem = tmp_path / "text.txt"
    not_pem.write_text("hello")
    with pytest.raises(InputError, match="holds no PEM data"):
        read_pem_input(str(not_pem), "ca_certificate")
    with pytest.raises(InputError, match="does not parse as PEM certificates"):
        load_certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "ca_chain")
