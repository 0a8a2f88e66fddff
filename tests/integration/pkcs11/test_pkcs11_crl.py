"""pkcs11_crl against a real SoftHSM2 token: signed on the token, verified by openssl,
idempotent, re-signed on a change or near nextUpdate, check mode signs nothing."""

import subprocess

import pytest
from cryptography import x509

from ansible_collections.certfleet.pki.plugins.modules import pkcs11_certificate, pkcs11_crl, pkcs11_key


@pytest.fixture(scope="module", params=[("ec", {"curve": "secp256r1"}), ("rsa", {"size": 2048})], ids=["ec", "rsa"])
def crl_ca(request, softhsm, module_runner):
    key_type, size_args = request.param
    label = "crl-root-%s" % key_type
    assert module_runner(pkcs11_key, softhsm.args(label, key_type=key_type, **size_args))["changed"]
    root = module_runner(pkcs11_certificate, softhsm.args(label, profile="root_ca", subject={"CN": "CRL Root %s" % key_type}))
    return label, root["certificate"]


def revoked_entry(serial, reason="KEY_COMPROMISE"):
    return dict(serial=serial, reason=reason, revoked_at="2026-11-29T10:00:00Z", host="web-1", name="client")


def test_signed_on_the_token_and_verified_by_openssl(crl_ca, softhsm, module_runner, tmp_path):
    label, root_pem = crl_ca
    args = softhsm.args(label, ca_certificate=root_pem, revoked=[revoked_entry("0a1b2c")])
    planned = module_runner(pkcs11_crl, args, check_mode=True)
    assert planned["changed"] is True and planned["crl"] is None and planned["reason"] == "no CRL yet"
    signed = module_runner(pkcs11_crl, args)
    assert signed["changed"] is True and signed["revoked_count"] == 1, signed
    crl = x509.load_pem_x509_crl(signed["crl"].encode())
    assert crl.get_revoked_certificate_by_serial_number(0x0a1b2c) is not None
    (tmp_path / "ca.pem").write_text(root_pem)
    (tmp_path / "crl.pem").write_text(signed["crl"])
    checked = subprocess.run(["openssl", "crl", "-in", "crl.pem", "-CAfile", "ca.pem", "-noout"], cwd=tmp_path,
                             capture_output=True, text=True, check=False)
    assert "verify OK" in checked.stdout + checked.stderr, checked

    kept = module_runner(pkcs11_crl, dict(args, current_crl=signed["crl"]))
    assert kept["changed"] is False and kept["crl"] == signed["crl"] and kept["reason"] is None

    more = module_runner(pkcs11_crl, dict(args, current_crl=signed["crl"],
                                          revoked=[revoked_entry("0a1b2c"), revoked_entry("ff", "SUPERSEDED")]))
    assert more["changed"] is True and more["reason"] == "the revoked certificates changed"
    assert more["crl_number"] > signed["crl_number"]

    # A week's CRL with a refresh window of 7 days is always due: re-signed, same content.
    refreshed = module_runner(pkcs11_crl, dict(args, current_crl=signed["crl"], next_update_days=8,
                                               refresh_before_days=7))
    assert refreshed["changed"] is True and refreshed["reason"].startswith("nextUpdate is within the refresh window")


def test_refresh_window_must_be_shorter_than_the_validity(crl_ca, softhsm, module_runner):
    label, root_pem = crl_ca
    result = module_runner(pkcs11_crl, softhsm.args(label, ca_certificate=root_pem, next_update_days=2,
                                                    refresh_before_days=2))
    assert result["failed"] is True
    assert "refresh_before_days (2) must be at least 0 and below next_update_days (2)" in result["msg"]


def test_a_key_that_is_not_the_ca_key_signs_nothing(crl_ca, softhsm, module_runner):
    label, _root_pem = crl_ca
    other = module_runner(pkcs11_key, softhsm.args("crl-other-" + label, key_type="ec", curve="secp256r1"))
    assert other["changed"]
    other_root = module_runner(pkcs11_certificate, softhsm.args("crl-other-" + label, profile="root_ca",
                                                                subject={"CN": "Other"}))["certificate"]
    result = module_runner(pkcs11_crl, softhsm.args(label, ca_certificate=other_root))
    assert result["failed"] is True and "does not match the CA certificate" in result["msg"]
