"""The issuing contract (module_utils/_issuance.py) every issuer backend follows: nothing is
issued unless a reason is found, check mode issues nothing, and every issuer returns one
result shape."""

import contextlib
import datetime
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_builder import build_certificate
from ansible_collections.certfleet.pki.plugins.module_utils._issuance import (
    issuing_argument_spec, run_issuance, run_issuance_batch,
)
from ansible_collections.certfleet.pki.plugins.module_utils._signers import SignerError, SoftwareSigner
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import to_pem

CA_KEY = ec.generate_private_key(ec.SECP256R1())
CA = build_certificate(SoftwareSigner(CA_KEY), "root_ca", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CA")]),
                       CA_KEY.public_key())[0]


def leaf():
    key = ec.generate_private_key(ec.SECP256R1())
    return build_certificate(SoftwareSigner(CA_KEY), "server", x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "web")]),
                             key.public_key(), CA, [x509.DNSName("web")], validity_days=30)[0]


class RecordingBackend:
    """A backend that says what it was asked to do."""

    result_fields = {"certificate_arn": None}

    def __init__(self, reason, current=None):
        self.reason = reason
        self.current = current
        self.calls = []
        self.issued = leaf()

    def renewal_reason(self):
        self.calls.append("renewal_reason")
        return self.reason

    def current_chain(self):
        return to_pem(CA)

    def issue(self, session=None):
        self.calls.append("issue")
        return self.issued, to_pem(CA), {"certificate_arn": "arn:issued"}


def module(force=False, check_mode=False):
    return SimpleNamespace(params={"force": force}, check_mode=check_mode)


def test_a_current_certificate_that_fits_is_returned_and_nothing_is_issued():
    current = leaf()
    backend = RecordingBackend(None, current)
    result = run_issuance(module(), backend)
    assert backend.calls == ["renewal_reason"]
    assert result["changed"] is False and result["renewal_reason"] is None
    assert result["certificate"] == to_pem(current) and result["fullchain"] == to_pem(current) + to_pem(CA)
    assert result["serial"] == "%x" % current.serial_number and result["certificate_arn"] is None


def test_check_mode_reports_the_reason_and_issues_nothing():
    backend = RecordingBackend("subject alternative names changed", leaf())
    result = run_issuance(module(check_mode=True), backend)
    assert backend.calls == ["renewal_reason"]
    assert result == {"changed": True, "renewal_reason": "subject alternative names changed", "chain": None,
                      "certificate": None, "fullchain": None, "certificate_arn": None}


@pytest.mark.parametrize("force, reason, expected", [
    (True, None, "forced"),
    (False, "no current certificate", "no current certificate"),
])
def test_a_reason_issues_once_and_the_result_has_one_shape(force, reason, expected):
    backend = RecordingBackend(reason)
    result = run_issuance(module(force=force), backend)
    assert backend.calls == (["issue"] if force else ["renewal_reason", "issue"])
    assert result["changed"] is True and result["renewal_reason"] == expected
    assert result["certificate"] == to_pem(backend.issued) and result["chain"] == to_pem(CA)
    assert result["fullchain"] == result["certificate"] + result["chain"] and result["certificate_arn"] == "arn:issued"
    not_after = datetime.datetime.fromisoformat(result["not_after"])
    assert {"serial", "not_before", "fingerprint_sha256"} <= set(result) and not_after.tzinfo is not None


def test_every_issuer_takes_the_shared_options():
    spec = issuing_argument_spec()
    assert {"csr", "current_certificate", "renew_before", "force", "common_name", "subject_alt_names",
            "allowed_names", "allowed_profiles", "max_validity_days", "requester"} <= set(spec)
    assert spec["renew_before"]["default"] == "33%" and spec["force"]["default"] is False


def test_a_session_that_cannot_open_fails_each_pending_request_under_its_own_requester():
    @contextlib.contextmanager
    def locked_token():
        raise SignerError("wrong PIN for token 'pki'")
        yield  # pylint: disable=unreachable

    requests = [dict(requester="web-%d/web" % index, force=False) for index in (1, 2, 3)]
    backends = {"web-1/web": RecordingBackend("no current certificate"), "web-2/web": RecordingBackend(None, leaf()),
                "web-3/web": RecordingBackend("forced")}
    results = run_issuance_batch(module(), requests, lambda options: backends[options["requester"]], session=locked_token)
    assert results[0] == dict(failed=True, changed=False, msg="web-1/web: wrong PIN for token 'pki'", requester="web-1/web")
    assert results[1]["changed"] is False and "failed" not in results[1], "nothing due: no session needed"
    assert results[2]["msg"] == "web-3/web: wrong PIN for token 'pki'"
