"""The crl role's decisions (issue 31): which issuers keep a CRL and where it comes from is the
provider registry's, and each host installs the newest CRL this run has for each issuer."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.filter.crl_sources import crl_installs, crl_issuers, crl_paths, crl_problem

ISSUERS = {"hsm": {"provider": "pkcs11", "ledger": "file:///ledger"}, "bare-hsm": {"provider": "pkcs11"},
           "pca": {"provider": "acmpca"}, "kms-ca": {"provider": "kms"}, "vault": {"provider": "secretsmanager"}}


def test_each_issuer_s_crl_source_comes_from_the_registry():
    assert crl_issuers(ISSUERS, "ledger") == ["bare-hsm", "hsm"]
    assert crl_issuers(ISSUERS, "ca") == ["pca"]


@pytest.mark.parametrize("name, problem", [
    ("hsm", ""), ("pca", ""),
    ("bare-hsm", "is an HSM-backed issuer without a ledger, so it has no CRL"),
    ("kms-ca", "keeps no CRL (provider kms)"),
    ("nowhere", "is not defined in certfleet_issuers"),
])
def test_an_issuer_without_a_crl_is_named_with_the_reason(name, problem):
    assert problem in crl_problem(ISSUERS, name) and bool(crl_problem(ISSUERS, name)) == bool(problem)


def test_the_crl_signed_in_this_run_wins_over_the_ledger_s_and_issuers_without_one_are_left_out():
    ledgers = [dict(item="hsm", crl="OLD"), dict(item="other", crl="")]
    signed = [dict(item=dict(item="hsm"), crl="NEW")]
    fetched = [dict(item="pca", crl="PCA")]
    assert crl_installs(["hsm", "pca", "other"], "/etc/certfleet/crl/", ledgers, signed, fetched) == [
        dict(path="/etc/certfleet/crl/hsm.pem", content="NEW"), dict(path="/etc/certfleet/crl/pca.pem", content="PCA")]


@pytest.mark.parametrize("names, directory, named", [
    (["../../etc/cron.d/x"], "/etc/certfleet/crl", "certfleet_crl_issuers entry '../../etc/cron.d/x'"),
    (["hsm"], "etc/crl", "certfleet_crl_dir 'etc/crl'"),
    (["hsm"], "/etc/crl dir; x", "certfleet_crl_dir '/etc/crl dir; x'"),
    (["hsm\nx"], "/etc/certfleet/crl", "certfleet_crl_issuers entry 'hsm\\nx'"),
    (["hsm"], "/etc/{{ x }}", "certfleet_crl_dir '/etc/{{ x }}'"),
])
def test_a_crl_path_part_that_is_not_safe_is_refused_naming_the_field(names, directory, named):
    with pytest.raises(AnsibleFilterError, match=re.escape(named)):
        crl_paths(names, directory)
    assert crl_paths(["hsm"], "/etc/certfleet/crl/") == [dict(issuer="hsm", path="/etc/certfleet/crl/hsm.pem")]
