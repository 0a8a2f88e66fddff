"""The certificate role's batch on the controller (issue 31): runs grouped by issuer and shared
options, every result routed back to the owner the controller recorded for its request, and
each host's install entries. Each test breaks if the grouping or the routing is broken."""

import pytest

from ansible_collections.certfleet.pki.plugins.filter.certificate_plan import certificate_plan
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem
from ansible_collections.certfleet.pki.plugins.plugin_utils import _batch
from helpers.software_ca import software_root

CA = to_pem(software_root("Batch CA", validity_days=3650)[1])
ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555"
ISSUERS = {
    "hsm": {"provider": "pkcs11", "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "ca",
            "key_label": "ca", "ca_certificate": CA, "pin": "1234"},
    "pca": {"provider": "acmpca", "certificate_authority_arn": ARN, "region": "eu-west-1"},
    "acm": {"provider": "acm", "certificate_authority_arn": ARN},
    "secret": {"provider": "secretsmanager", "secret_id": "web/tls"},
}


def plan(host, *names_and_issuers, **issuers):
    declared = [dict(name=name, issuer=issuer, common_name="%s.%s.example.internal" % (name, host))
                for name, issuer in names_and_issuers]
    return certificate_plan(declared, dict(ISSUERS, **issuers), host, run_id="run1")


def host(name, planned, due=(), serials=None, origins=None):
    """One batch entry: the controller's records of a host whose due certificates have a CSR."""
    serials, origins = serials or {}, origins or {}
    status = dict(due=list(due), certificates=[dict(name=entry["name"], serial=serials.get(entry["name"]),
                                                    origin=origins.get(entry["name"]), reasons=[])
                                               for entry in planned])
    requests = dict(requests=[dict(name=name_, csr="CSR of %s/%s" % (name, name_)) for name_ in due])
    return dict(host=name, planned=planned, status=status, requests=requests)


def test_due_requests_of_every_host_sign_in_one_run_per_issuer():
    batch = [host("web-1", plan("web-1", ("www", "hsm"), ("api", "pca")), due=["www", "api"], serials={"api": "0a"}),
             host("web-2", plan("web-2", ("www", "hsm"), ("api", "pca")), due=["www"]),
             host("web-3", plan("web-3", ("www", "hsm")), due=[])]
    runs = _batch.signing_runs(batch)
    by_issuer = dict((run["issuer"], run) for run in runs)
    assert sorted(by_issuer) == ["hsm", "pca"]
    assert by_issuer["hsm"]["owners"] == [dict(host="web-1", name="www"), dict(host="web-2", name="www")]
    assert [request["csr"] for request in by_issuer["hsm"]["requests"]] == ["CSR of web-1/www", "CSR of web-2/www"]
    assert by_issuer["hsm"]["requests"][1]["common_name"] == "www.web-2.example.internal"
    # An ACM PCA request names the serial it replaces; the issuer's secrets are never in a run.
    assert by_issuer["pca"]["requests"][0]["replaces"] == "0a"
    assert "pin" not in by_issuer["hsm"]["connection"] and "replaces" not in by_issuer["hsm"]["requests"][0]


def test_hosts_whose_issuer_options_differ_sign_in_runs_of_their_own():
    other = dict(ISSUERS["hsm"], token_label="other")
    batch = [host("web-1", plan("web-1", ("www", "hsm")), due=["www"]),
             host("web-2", plan("web-2", ("www", "hsm"), hsm=other), due=["www"])]
    runs = _batch.signing_runs(batch)
    assert [(run["connection"]["token_label"], run["owners"]) for run in runs] == [
        ("ca", [dict(host="web-1", name="www")]), ("other", [dict(host="web-2", name="www")])]


def test_delivery_runs_hold_every_delivered_certificate_with_what_its_host_has_now():
    batch = [host("web-1", plan("web-1", ("tls", "acm"), ("www", "hsm"), ("vault", "secret")), due=["www"],
                  serials={"tls": "5c"}, origins={"vault": "v1"}),
             host("web-2", plan("web-2", ("tls", "acm")))]
    by_issuer = dict((run["issuer"], run) for run in _batch.delivery_runs(batch))
    assert sorted(by_issuer) == ["acm", "secret"]
    assert [request["current_serial"] for request in by_issuer["acm"]["requests"]] == ["5c", None]
    assert by_issuer["secret"]["requests"][0]["current_version_id"] == "v1"
    assert by_issuer["acm"]["owners"] == [dict(host="web-1", name="tls"), dict(host="web-2", name="tls")]


def test_one_check_per_due_issuer_with_its_longest_renewal_window():
    short = plan("web-1", ("www", "hsm"))
    long_ = certificate_plan([dict(name="api", issuer="hsm", common_name="api.example.internal", renew_before="40d",
                                   validity_days=365)], ISSUERS, "web-2", run_id="run1")
    batch = [host("web-1", short, due=["www"]), host("web-2", long_, due=["api"]),
             host("web-3", plan("web-3", ("api", "pca")), due=[])]
    (check,) = _batch.check_runs(batch)
    assert check["issuer"] == "hsm" and check["renew_before_days"] == long_[0]["renew_before_days"] > 40


def run_of(*owners):
    return dict(issuer="hsm", owners=[dict(host=h, name=n) for h, n in owners],
                requests=[dict(requester="%s/%s" % owner) for owner in owners])


def test_each_result_goes_to_the_owner_of_the_request_at_its_position():
    run = run_of(("web-1", "www"), ("web-2", "www"))
    answers = dict(certificates=[dict(requester="web-1/www", certificate="A", changed=True),
                                 dict(requester="web-2/www", certificate="B", changed=True)])
    routed = _batch.route_results([run], [answers])
    assert routed["web-1"]["www"]["certificate"] == "A" and routed["web-2"]["www"]["certificate"] == "B"


def test_a_result_that_names_another_requester_is_refused():
    run = run_of(("web-1", "www"), ("web-2", "www"))
    answers = dict(certificates=[dict(requester="web-2/www", certificate="B"), dict(requester="web-1/www", certificate="A")])
    routed = _batch.route_results([run], [answers])
    assert routed["web-1"]["www"] == dict(failed=True, msg="issuer hsm: no answer for web-1/www")
    assert routed["web-2"]["www"]["failed"]


def test_a_run_that_failed_as_a_whole_fails_each_of_its_hosts_naming_the_issuer():
    routed = _batch.route_results([run_of(("web-1", "www"), ("web-2", "api"))], [dict(failed=True, msg="CKR_PIN_INCORRECT")])
    assert routed == {"web-1": {"www": dict(failed=True, msg="issuer hsm: CKR_PIN_INCORRECT")},
                      "web-2": {"api": dict(failed=True, msg="issuer hsm: CKR_PIN_INCORRECT")}}


def test_the_ledger_records_what_was_signed_with_the_owner_the_controller_recorded():
    run = run_of(("web-1", "www"), ("web-2", "www"), ("web-3", "www"))
    result = dict(certificates=[dict(requester="web-1/www", certificate="A", changed=True),
                                dict(requester="web-2/www", failed=True, msg="refused"),
                                dict(requester="web-3/www", certificate="C", changed=False)])
    assert _batch.ledger_entries(run, result) == [dict(certificate="A", host="web-1", name="www")]


@pytest.mark.parametrize("key_reuse, reasons, new_key", [
    (False, ["expires in 3 days"], True),
    (True, ["expires in 3 days"], False),
    (True, ["key type changed: EC secp256r1 installed, RSA 3072 declared"], True),
    (True, ["private key missing"], True),
    (True, ["no certificate installed"], True),
])
def test_a_key_is_reused_only_while_it_is_the_declared_kind(key_reuse, reasons, new_key):
    planned = certificate_plan([dict(name="www", issuer="hsm", common_name="www.example.internal", key_reuse=key_reuse)],
                               ISSUERS, "web-1", run_id="run1")
    status = dict(due=["www"], certificates=[dict(name="www", reasons=reasons)])
    (wanted,) = _batch.wanted(planned, status)
    assert wanted["new_key"] is new_key
    assert wanted["key_path"] == planned[0]["paths"]["staged_key" if new_key else "key"]
    assert wanted["subject_alt_names"] == ["DNS:www.example.internal"]


def test_nothing_is_wanted_when_nothing_is_due():
    assert _batch.wanted(plan("web-1", ("www", "hsm")), dict(due=[], certificates=[])) == []


def test_a_certificate_without_a_signed_result_is_named():
    wanted = [dict(name="www"), dict(name="api")]
    signed = {"www": dict(certificate="A"), "api": dict(failed=True, msg="issuer pca: throttled")}
    assert _batch.unsigned(wanted, signed, "web-1") == ["issuer pca: throttled"]
    assert _batch.unsigned(wanted, {}, "web-1") == ["web-1/www: no issuer signed it", "web-1/api: no issuer signed it"]


def test_install_entries_take_paths_from_the_plan_and_passphrases_from_the_declaration():
    declared = [dict(name="www", issuer="hsm", common_name="www.example.internal", formats=["pem", "pkcs12"],
                     pkcs12_passphrase="s3cret", owner="www-data")]
    planned = certificate_plan(declared, ISSUERS, "web-1", run_id="run1")
    wanted = _batch.wanted(planned, dict(due=["www"], certificates=[]))
    (entry,) = _batch.signed_installs(wanted, planned, {"www": dict(certificate="A", chain="B")}, declared)
    assert entry == dict(path=planned[0]["paths"]["dir"], certificate="A", chain="B", fullchain_root=False,
                         owner="www-data", group=None, pkcs12_passphrase="s3cret", key_src=wanted[0]["key_path"])
    assert "s3cret" not in repr(planned)


def test_delivered_install_entries_only_for_what_came_with_a_key():
    planned = plan("web-1", ("tls", "acm"), ("vault", "secret"))
    delivered = {"tls": dict(certificate="A", chain="B", private_key="ENCRYPTED", changed=True),
                 "vault": dict(certificate="C", private_key=None, changed=False),
                 "other": dict(certificate="D", private_key="ENCRYPTED")}
    (entry,) = _batch.delivered_installs(planned, delivered, [], "transit")
    assert entry["path"] == planned[0]["paths"]["dir"]
    assert (entry["key_encrypted"], entry["key_passphrase"], entry["certificate"]) == ("ENCRYPTED", "transit", "A")
    assert "origin" not in entry


def test_each_revoked_certificate_goes_the_way_its_issuer_revokes():
    planned = plan("web-1", ("www", "hsm"), ("api", "pca"), ("old", "pca"), ("kept", "hsm"))
    replaced = [dict(name="api", certificates_of_key=["PEM 1", "PEM 2"]), dict(name="www", certificates_of_key=["X"])]
    runs = _batch.revocation_runs(planned, replaced, ["www", "api", "old"], {"www": dict(serial="0b")}, "web-1")
    by_name = dict((run["name"], run) for run in runs)
    # "old" has no installed certificate to revoke at its CA; "kept" is not being revoked.
    assert sorted(by_name) == ["api", "www"]
    assert by_name["api"]["certificates"] == ["PEM 1", "PEM 2"] and "keep_serial" not in by_name["api"]
    assert by_name["api"]["subject_alt_names"] == ["DNS:api.web-1.example.internal"]
    assert by_name["www"]["keep_serial"] == "0b" and "certificates" not in by_name["www"]
    assert by_name["www"]["host"] == "web-1" and by_name["www"]["connection"]["token_label"] == "ca"
