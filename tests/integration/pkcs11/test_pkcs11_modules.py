"""pkcs11_key and pkcs11_certificate against a real SoftHSM2 token."""

import datetime
import glob
import os
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

import pkcs11
from pkcs11 import Attribute, ObjectClass

from ansible_collections.certfleet.pki.plugins.modules import pkcs11_certificate, pkcs11_key
from ansible_collections.certfleet.pki.plugins.module_utils import _pkcs11_token as pkcs11_token

SERVER_SANS = ["DNS:www.example.internal", "IP:127.0.1.9"]


def make_csr(common_name, sans=(), key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
    if sans:
        names = [x509.DNSName(s[4:]) if s.startswith("DNS:") else x509.IPAddress(__import__("ipaddress").ip_address(s[3:]))
                 for s in sans]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode(), key


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def openssl_verify(tmp_path, ca_pem, cert_pem, *extra):
    result = subprocess.run(["openssl", "verify", "-x509_strict", "-CAfile", write(tmp_path, "ca.pem", ca_pem), *extra,
                             write(tmp_path, "leaf.pem", cert_pem)], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module", params=[("ec", {"curve": "secp384r1"}), ("rsa", {"size": 2048})], ids=["ec", "rsa"])
def root(request, softhsm, module_runner):
    key_type, size_args = request.param
    label = "root-%s" % key_type
    key = module_runner(pkcs11_key, softhsm.args(label, key_type=key_type, **size_args))
    assert key["changed"] is True, key
    issued = module_runner(pkcs11_certificate, softhsm.args(
        label, profile="root_ca", subject={"CN": "Test Root %s" % key_type, "O": "certfleet"}, validity_days=3650))
    assert issued["changed"] is True, issued
    return dict(label=label, key_type=key_type, certificate=issued["certificate"], key=key)


def test_root_is_self_signed_ca_with_critical_constraints(root, tmp_path):
    certificate = x509.load_pem_x509_certificate(root["certificate"].encode())
    constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert constraints.critical and constraints.value.ca
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert certificate.subject == certificate.issuer
    assert 0 < certificate.serial_number < 2 ** 159
    assert openssl_verify(tmp_path, root["certificate"], root["certificate"])[0] == 0


def test_root_key_is_sensitive_and_not_extractable(root, softhsm):
    token = pkcs11.lib(softhsm.module).get_token(token_label=softhsm.label)
    with token.open(user_pin=softhsm.pin) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=root["label"])
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
    assert root["key"]["key_id"] and "PRIVATE" not in str(root["key"])


def issue(module_runner, softhsm, root, csr, **extra):
    args = softhsm.args(root["label"], ca_certificate=root["certificate"], csr=csr, **extra)
    return module_runner(pkcs11_certificate, args)


def test_server_certificate_verifies_with_openssl_and_cryptography(root, softhsm, module_runner, tmp_path):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    issued = issue(module_runner, softhsm, root, csr, profile="server", validity_days=30)
    assert issued["changed"] is True and issued["renewal_reason"] == "no current certificate"
    code, output = openssl_verify(tmp_path, root["certificate"], issued["certificate"], "-purpose", "sslserver")
    assert code == 0, output

    leaf = x509.load_pem_x509_certificate(issued["certificate"].encode())
    verifier = PolicyBuilder().store(Store([x509.load_pem_x509_certificate(root["certificate"].encode())])) \
        .build_server_verifier(x509.DNSName("www.example.internal"))
    verifier.verify(leaf, [])
    wrong_name = PolicyBuilder().store(Store([x509.load_pem_x509_certificate(root["certificate"].encode())])) \
        .build_server_verifier(x509.DNSName("other.example.internal"))
    with pytest.raises(VerificationError):
        wrong_name.verify(leaf, [])
    assert issued["fullchain"] == issued["certificate"] + issued["chain"]
    assert issued["serial"] == "%x" % leaf.serial_number
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).critical


def test_client_certificate_verifies_for_client_auth(root, softhsm, module_runner, tmp_path):
    csr, _key = make_csr("svc-billing", ["DNS:svc-billing.example.internal"])
    issued = issue(module_runner, softhsm, root, csr, profile="client")
    code, output = openssl_verify(tmp_path, root["certificate"], issued["certificate"], "-purpose", "sslclient")
    assert code == 0, output
    leaf = x509.load_pem_x509_certificate(issued["certificate"].encode())
    assert list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    PolicyBuilder().store(Store([x509.load_pem_x509_certificate(root["certificate"].encode())])) \
        .build_client_verifier().verify(leaf, [])


def test_subordinate_ca_chain_verifies(root, softhsm, module_runner, tmp_path):
    from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
    from ansible_collections.certfleet.pki.plugins.module_utils._signers import SoftwareSigner

    csr, sub_key = make_csr("Test Issuing CA")
    sub = issue(module_runner, softhsm, root, csr, profile="subordinate_ca", path_length=0, validity_days=365)
    sub_certificate = x509.load_pem_x509_certificate(sub["certificate"].encode())
    constraints = sub_certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    assert openssl_verify(tmp_path, root["certificate"], sub["certificate"])[0] == 0

    leaf, _clamped = build_certificate(SoftwareSigner(sub_key), "server", x509.Name([]), ec.generate_private_key(
        ec.SECP256R1()).public_key(), issuer_certificate=sub_certificate,
        subject_alt_names=[x509.DNSName("leaf.example.internal")], validity_days=30)
    leaf_pem = leaf.public_bytes(serialization.Encoding.PEM).decode()
    code, output = openssl_verify(tmp_path, root["certificate"], leaf_pem, "-untrusted", write(tmp_path, "sub.pem", sub["certificate"]))
    assert code == 0, output


def test_second_call_with_current_certificate_changes_nothing_and_opens_no_token(
        root, softhsm, module_runner, monkeypatch):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    first = issue(module_runner, softhsm, root, csr)

    def no_token(*_args, **_kwargs):
        raise AssertionError("the token was opened on a run with nothing due")
    monkeypatch.setattr(pkcs11_token.Pkcs11Token, "__enter__", no_token)
    second = issue(module_runner, softhsm, root, csr, current_certificate=first["certificate"])
    assert second["changed"] is False and second["renewal_reason"] is None
    assert second["serial"] == first["serial"] and second["certificate"] == first["certificate"]


def test_changed_san_issues_anew(root, softhsm, module_runner):
    csr, key = make_csr("www.example.internal", SERVER_SANS)
    first = issue(module_runner, softhsm, root, csr)
    # The declaration gained a name: the host's next CSR (same key) asks for it too.
    wider_csr, _key = make_csr("www.example.internal", SERVER_SANS + ["DNS:api.example.internal"], key=key)
    again = issue(module_runner, softhsm, root, wider_csr, current_certificate=first["certificate"],
                  subject_alt_names=SERVER_SANS + ["DNS:api.example.internal"])
    assert again["changed"] is True and again["renewal_reason"] == "subject alternative names changed"
    assert again["serial"] != first["serial"]
    sans = x509.load_pem_x509_certificate(again["certificate"].encode()).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert x509.DNSName("api.example.internal") in sans


def test_renewal_window_reissues(root, softhsm, module_runner):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    first = issue(module_runner, softhsm, root, csr, validity_days=10)
    kept = issue(module_runner, softhsm, root, csr, current_certificate=first["certificate"], renew_before="5d")
    due = issue(module_runner, softhsm, root, csr, current_certificate=first["certificate"], renew_before="15d")
    assert kept["changed"] is False
    assert due["changed"] is True and due["renewal_reason"].startswith("due for renewal")


def test_check_mode_reports_and_signs_nothing(root, softhsm, module_runner, monkeypatch):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    monkeypatch.setattr(pkcs11_token.Pkcs11Token, "__enter__", lambda *a: pytest.fail("token opened in check mode"))
    result = module_runner(pkcs11_certificate, softhsm.args(root["label"], ca_certificate=root["certificate"], csr=csr),
                           check_mode=True)
    assert result["changed"] is True and result["certificate"] is None
    assert result["renewal_reason"] == "no current certificate"


def test_validity_is_clamped_to_the_ca(root, softhsm, module_runner):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    clamped = issue(module_runner, softhsm, root, csr, validity_days=5000)
    ca = x509.load_pem_x509_certificate(root["certificate"].encode())
    assert clamped["validity_clamped"] is True
    assert clamped["not_after"] == ca.not_valid_after_utc.isoformat()
    refused = issue(module_runner, softhsm, root, csr, validity_days=5000, validity_clamp=False)
    assert refused["failed"] and "would outlive the CA certificate" in refused["msg"]


def test_openssl_engine_signature_with_the_same_token_key_verifies(root, softhsm, tmp_path):
    """Independent cross-check: OpenSSL signs with the token key through libp11, and the
    result verifies against the CA certificate our module made: the module used that key."""
    engines = glob.glob("/usr/lib/*/engines-3/pkcs11.so")
    assert engines, "libengine-pkcs11-openssl is not installed"
    csr, _key = make_csr("engine.example.internal")
    env = dict(os.environ, PKCS11_MODULE_PATH=softhsm.module)
    uri = "pkcs11:token=%s;object=%s;type=private;pin-value=%s" % (softhsm.label, root["label"], softhsm.pin)
    result = subprocess.run(
        ["openssl", "x509", "-req", "-in", write(tmp_path, "engine.csr", csr), "-CA", write(tmp_path, "root.pem", root["certificate"]),
         "-engine", "pkcs11", "-CAkeyform", "engine", "-CAkey", uri, "-days", "1", "-set_serial", "7",
         "-out", str(tmp_path / "engine.pem")], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    code, output = openssl_verify(tmp_path, root["certificate"], (tmp_path / "engine.pem").read_text())
    assert code == 0, output


@pytest.mark.parametrize("change, message", [
    (dict(pkcs11_module="/nonexistent/libpkcs11.so"), "PKCS#11 library not found: /nonexistent/libpkcs11.so"),
    (dict(token_label="no-such-token"), "no token labelled 'no-such-token'"),
    (dict(pin="0000"), "wrong PIN for token 'certfleet-test'"),
    (dict(key_label="no-such-key"), "no private key labelled 'no-such-key'"),
])
def test_token_errors_are_clear(root, softhsm, module_runner, change, message):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    args = dict(softhsm.args(root["label"], ca_certificate=root["certificate"], csr=csr), **change)
    result = module_runner(pkcs11_certificate, args)
    assert result["failed"] and message in result["msg"]
    assert softhsm.pin not in result["msg"]


def test_key_not_matching_the_ca_certificate_is_refused(root, softhsm, module_runner):
    other_type = "rsa" if root["key_type"] == "ec" else "ec"
    other = "mismatch-" + other_type
    module_runner(pkcs11_key, softhsm.args(other, key_type=other_type, curve="secp384r1", size=2048))
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    result = issue(module_runner, softhsm, dict(root, label=other), csr)
    assert result["failed"] and "does not match the CA certificate's public key" in result["msg"]


def test_csr_with_a_bad_signature_is_refused(root, softhsm, module_runner):
    csr, _key = make_csr("www.example.internal", SERVER_SANS)
    der = bytearray(x509.load_pem_x509_csr(csr.encode()).public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0x01  # flip a bit of the signature
    tampered = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    result = issue(module_runner, softhsm, root, tampered)
    assert result["failed"] and "csr has an invalid signature" in result["msg"]


def test_pkcs11_key_is_idempotent_and_refuses_another_type(softhsm, module_runner):
    args = softhsm.args("idem-key", key_type="ec", curve="secp256r1")
    planned = module_runner(pkcs11_key, args, check_mode=True)
    assert planned["changed"] is True and planned["public_key"] is None
    assert module_runner(pkcs11_key, args, check_mode=True)["changed"] is True, "check mode created the key"
    created = module_runner(pkcs11_key, args)
    again = module_runner(pkcs11_key, args)
    assert created["changed"] is True and again["changed"] is False
    assert created["public_key"] == again["public_key"] and again["key"] == "EC secp256r1"

    clash = module_runner(pkcs11_key, dict(args, key_type="rsa", size=2048))
    assert clash["failed"] and "is EC secp256r1, not the requested RSA 2048" in clash["msg"]
    assert module_runner(pkcs11_key, args)["public_key"] == created["public_key"]

    assert module_runner(pkcs11_key, dict(args, state="absent"), check_mode=True)["changed"] is True
    assert module_runner(pkcs11_key, dict(args, state="absent"))["changed"] is True
    assert module_runner(pkcs11_key, dict(args, state="absent"))["changed"] is False


def test_missing_pin_is_named(softhsm, module_runner, monkeypatch):
    monkeypatch.delenv("CERTFLEET_PKCS11_PIN", raising=False)
    args = softhsm.args("any-key")
    del args["pin"]
    result = module_runner(pkcs11_key, args)
    assert result["failed"] and "set pin or the CERTFLEET_PKCS11_PIN environment variable" in result["msg"]


def test_pin_comes_from_the_environment(softhsm, module_runner, monkeypatch):
    monkeypatch.setenv("CERTFLEET_PKCS11_PIN", softhsm.pin)
    args = softhsm.args("env-pin-key")
    del args["pin"]
    assert module_runner(pkcs11_key, args)["changed"] is True


def test_rsa_root_signs_rsa_leaf_with_key_encipherment(softhsm, module_runner):
    module_runner(pkcs11_key, softhsm.args("rsa3072", key_type="rsa", size=3072))
    ca = module_runner(pkcs11_certificate, softhsm.args("rsa3072", profile="root_ca", subject={"CN": "RSA Root"}))
    csr, _key = make_csr("rsa.example.internal", ["DNS:rsa.example.internal"], key=rsa.generate_private_key(65537, 2048))
    leaf = module_runner(pkcs11_certificate, softhsm.args("rsa3072", ca_certificate=ca["certificate"], csr=csr))
    usage = x509.load_pem_x509_certificate(leaf["certificate"].encode()).extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.value.key_encipherment and usage.value.digital_signature


def test_expired_ca_certificate_is_refused(softhsm, module_runner, root):
    from ansible_collections.certfleet.pki.plugins.module_utils import _certificate_builder as certificate_builder
    ca = x509.load_pem_x509_certificate(root["certificate"].encode())
    with pytest.raises(certificate_builder.IssuanceError, match="the CA certificate expired"):
        certificate_builder.validity_window(30, ca, True, now=ca.not_valid_after_utc + datetime.timedelta(days=1))


@pytest.mark.parametrize("key_type, size_args", [("ec", {"curve": "secp256r1"}), ("rsa", {"size": 2048})])
def test_a_new_ca_key_may_only_sign_and_verify(softhsm, module_runner, key_type, size_args):
    label = "usage-%s" % key_type
    created = module_runner(pkcs11_key, softhsm.args(label, key_type=key_type, **size_args))
    assert created["changed"] and created["excess_usages"] == [], created
    listing = subprocess.run(["pkcs11-tool", "--module", softhsm.module, "--token-label", softhsm.label,
                              "--login", "--pin", softhsm.pin, "--list-objects", "--label", label],
                             capture_output=True, text=True, check=True, env=dict(os.environ)).stdout
    usages = sorted(set(line.split(":", 1)[1].strip() for line in listing.splitlines() if line.strip().startswith("Usage:")))
    assert usages == ["sign", "verify"], listing


def test_an_existing_key_with_more_usages_is_reported(softhsm, module_runner):
    token = pkcs11.lib(softhsm.module).get_token(token_label=softhsm.label)
    with token.open(user_pin=softhsm.pin, rw=True) as session:
        session.generate_keypair(pkcs11.KeyType.RSA, 2048, label="legacy-rsa", store=True)  # library defaults
    result = module_runner(pkcs11_key, softhsm.args("legacy-rsa", key_type="rsa", size=2048))
    assert result["changed"] is False
    assert "private:decrypt" in result["excess_usages"] and "public:encrypt" in result["excess_usages"]


def test_ca_info_checks_the_key_against_its_ca_certificate(root, softhsm, module_runner):
    from ansible_collections.certfleet.pki.plugins.modules import pkcs11_ca_info
    own = module_runner(pkcs11_ca_info, softhsm.args(root["label"], ca_certificate=root["certificate"]))
    assert own["found"] and own["ca_certificate_matches"] and own["ca_valid_now"] and own["changed"] is False
    assert 3640 < own["ca_days_left"] <= 3650 and own["excess_usages"] == []
    module_runner(pkcs11_key, softhsm.args("another-ca", key_type="ec", curve="secp256r1"))
    crossed = module_runner(pkcs11_ca_info, softhsm.args("another-ca", ca_certificate=root["certificate"]))
    assert crossed["found"] and crossed["ca_certificate_matches"] is False
    missing = module_runner(pkcs11_ca_info, softhsm.args("no-such-key", ca_certificate=root["certificate"]))
    assert missing["found"] is False and missing["ca_certificate_matches"] is False
