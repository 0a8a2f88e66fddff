"""certificate_ledger and certificate_ledger_info as modules: check mode writes nothing, a
second run changes nothing, an older CRL never replaces a newer one, filters."""

import datetime

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._crl import build_crl, to_pem as crl_pem
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.modules import certificate_ledger, certificate_ledger_info
from helpers.software_ca import issue_leaf, software_root

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


@pytest.fixture(scope="module")
def ca():
    return software_root("Ledger Module Root")


def issue(ca, common_name, validity_days=10, now=None):
    certificate = issue_leaf(ca, common_name, validity_days=validity_days, now=now)
    return to_pem(certificate), "%x" % certificate.serial_number


def test_record_revoke_and_read(ca, tmp_path, module_runner):
    location = str(tmp_path / "ledger")
    web, web_serial = issue(ca, "web-1")
    api, api_serial = issue(ca, "web-2")
    args = dict(location=location, ca="lab-hsm", certificates=[dict(certificate=web, host="web-1", name="client"),
                                                               dict(certificate=api, host="web-2", name="client")])
    planned = module_runner(certificate_ledger, args, check_mode=True)
    assert planned["changed"] is True and sorted(planned["recorded"]) == sorted([web_serial, api_serial])
    assert not (tmp_path / "ledger").exists()
    first = module_runner(certificate_ledger, args)
    assert first["changed"] is True and sorted(first["recorded"]) == sorted([web_serial, api_serial])
    assert module_runner(certificate_ledger, args)["changed"] is False

    revoke = dict(location=location, ca="lab-hsm", revoke=[web_serial], revocation_reason="KEY_COMPROMISE")
    assert module_runner(certificate_ledger, revoke, check_mode=True)["revoked"] == [
        dict(serial=web_serial, reason="KEY_COMPROMISE")]
    revoked = module_runner(certificate_ledger, revoke)
    assert revoked["changed"] is True and revoked["revoked"][0]["host"] == "web-1"
    assert module_runner(certificate_ledger, revoke)["changed"] is False

    info = module_runner(certificate_ledger_info, dict(location=location, ca="lab-hsm", host="web-1"))
    assert info["changed"] is False
    assert [(entry["serial"], entry["revoked"]) for entry in info["issued"]] == [(web_serial, True)]
    assert "certificate" not in info["issued"][0]
    assert [entry["serial"] for entry in info["revoked"]] == [web_serial]
    assert info["crl"] is None
    due = module_runner(certificate_ledger_info, dict(location=location, ca="lab-hsm", list_issued=False,
                                                      ca_certificate=to_pem(ca[1])))
    assert due["crl_reason"] == "no CRL yet"
    everything = module_runner(certificate_ledger_info, dict(location=location, ca="lab-hsm", names=["client"],
                                                             include_certificates=True))
    assert len(everything["issued"]) == 2 and everything["issued"][0]["certificate"].startswith("-----BEGIN")
    revocations_only = module_runner(certificate_ledger_info, dict(location=location, ca="lab-hsm", list_issued=False))
    assert revocations_only["issued"] == [] and [entry["serial"] for entry in revocations_only["revoked"]] == [web_serial]


def test_expired_entries_are_left_out_unless_asked(ca, tmp_path, module_runner):
    location = str(tmp_path / "ledger")
    old, old_serial = issue(ca, "old", validity_days=1, now=NOW - datetime.timedelta(days=3))
    module_runner(certificate_ledger, dict(location=location, ca="ca", certificates=[dict(certificate=old)]))
    module_runner(certificate_ledger, dict(location=location, ca="ca", revoke=[old_serial]))
    current = module_runner(certificate_ledger_info, dict(location=location, ca="ca"))
    assert current["issued"] == [] and current["revoked"] == []
    history = module_runner(certificate_ledger_info, dict(location=location, ca="ca", include_expired=True))
    assert [entry["serial"] for entry in history["issued"]] == [old_serial]


def test_unknown_serial_is_refused_in_check_mode_too(tmp_path, module_runner):
    for check_mode in (True, False):
        result = module_runner(certificate_ledger, dict(location=str(tmp_path), ca="ca", revoke=["beef"]),
                               check_mode=check_mode)
        assert result["failed"] is True and "serial beef was not issued by ca" in result["msg"]


def test_an_older_crl_never_replaces_a_newer_one(ca, tmp_path, module_runner):
    signer, root = ca
    location = str(tmp_path / "ledger")
    newer = crl_pem(build_crl(signer, root, {}, 20, NOW, NOW + datetime.timedelta(days=7)))
    older = crl_pem(build_crl(signer, root, {}, 10, NOW, NOW + datetime.timedelta(days=7)))
    assert module_runner(certificate_ledger, dict(location=location, ca="ca", crl=newer), check_mode=True)["crl_published"]
    assert module_runner(certificate_ledger, dict(location=location, ca="ca", crl=newer))["crl_published"] is True
    assert module_runner(certificate_ledger, dict(location=location, ca="ca", crl=newer))["changed"] is False
    kept = module_runner(certificate_ledger, dict(location=location, ca="ca", crl=older))
    assert kept["changed"] is False and kept["crl_published"] is False
    info = module_runner(certificate_ledger_info, dict(location=location, ca="ca"))
    assert info["crl"] == newer and info["crl_number"] == 20 and "crl_reason" not in info
    current = module_runner(certificate_ledger_info, dict(location=location, ca="ca", ca_certificate=to_pem(root)))
    assert current["crl_reason"] is None
    nearly_stale = module_runner(certificate_ledger_info, dict(location=location, ca="ca", ca_certificate=to_pem(root),
                                                               refresh_before_days=8))
    assert nearly_stale["crl_reason"].startswith("nextUpdate is within the refresh window")


def test_a_crl_made_from_a_stale_read_never_replaces_one_that_lists_more(ca, tmp_path, module_runner):
    """Issue 29, defect 3: run A (a periodic refresh) reads the revocations; run B revokes and
    publishes; A then publishes what it signed from its stale read, with a higher CRL number
    (the number is the signing time). The ledger keeps B's CRL: it lists a serial A's lacks."""
    signer, root = ca
    location = str(tmp_path / "ledger")
    (first, first_serial), (second, second_serial) = issue(ca, "web-1"), issue(ca, "web-2")
    base = dict(location=location, ca="ca")
    module_runner(certificate_ledger, dict(base, certificates=[dict(certificate=first, host="web-1", name="web"),
                                                               dict(certificate=second, host="web-2", name="web")],
                                           revoke=[first_serial], revocation_reason="KEY_COMPROMISE"))
    week = datetime.timedelta(days=7)
    stale_read = {int(first_serial, 16): ("KEY_COMPROMISE", NOW)}
    # B: revokes the second certificate and publishes a CRL listing both.
    module_runner(certificate_ledger, dict(base, revoke=[second_serial], revocation_reason="SUPERSEDED"))
    both = dict(stale_read)
    both[int(second_serial, 16)] = ("SUPERSEDED", NOW)
    published_b = crl_pem(build_crl(signer, root, both, 100, NOW, NOW + week))
    assert module_runner(certificate_ledger, dict(base, crl=published_b))["crl_published"] is True
    # A: signed later (a higher number) from its read before B's revocation.
    stale = crl_pem(build_crl(signer, root, stale_read, 101, NOW, NOW + week))
    for check_mode in (True, False):
        refused = module_runner(certificate_ledger, dict(base, crl=stale), check_mode=check_mode)
        assert refused.get("failed") and "lacks %s, revoked in the ledger" % second_serial in refused["msg"], refused
    assert module_runner(certificate_ledger_info, base)["crl"] == published_b


def test_relative_location_is_named(module_runner):
    result = module_runner(certificate_ledger_info, dict(location="ledger", ca="ca"))
    assert result["failed"] is True and "ledger location 'ledger' must be an absolute directory path" in result["msg"]
