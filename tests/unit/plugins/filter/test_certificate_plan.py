"""The certificate plan: declarations refused before any host work, with the certificate (or
issuer), the field and the value in the message; defaults filled from one table."""

import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.filter.certificate_plan import certificate_plan

ARN = "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555"
ISSUERS = {
    "hsm": {"provider": "pkcs11", "pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "pki",
            "key_label": "ca", "ca_certificate": "PEM", "pin": "secret-pin"},
    "pca": {"provider": "acmpca", "certificate_authority_arn": ARN, "template": "EndEntityServerAuthCertificate"},
}


def plan(certificates, issuers=None, **kwargs):
    return certificate_plan(certificates, ISSUERS if issuers is None else issuers, "web-1", **kwargs)


def cert(**fields):
    return dict({"name": "web", "issuer": "hsm", "common_name": "web-1.example.internal"}, **fields)


def test_defaults_come_from_one_table_and_the_common_name_is_a_san():
    (entry,) = plan([cert(subject_alt_names=["DNS:www.example.internal", "IP:10.0.0.5"])])
    assert entry["key"] == {"type": "ec", "curve": "secp256r1"}
    assert entry["subject_alt_names"] == ["DNS:web-1.example.internal", "DNS:www.example.internal", "IP:10.0.0.5"]
    assert entry["status"]["renew_before"] == "33%" and entry["validity_days"] == 90
    assert entry["issue"]["requester"] == "web-1/web" and entry["issue"]["profile"] == "server"
    assert entry["issue"]["common_name"] == "web-1.example.internal"


def test_servers_send_no_root_unless_the_declaration_asks():
    assert [entry["fullchain_root"] for entry in plan([cert(), cert(name="api", fullchain_root=True)])] == [False, True]


def test_the_pin_never_enters_the_plan():
    (entry,) = plan([cert()])
    assert "secret-pin" not in str(entry)


def test_an_rsa_key_is_generated_and_checked_at_its_declared_size():
    (entry,) = plan([cert(key={"type": "rsa", "size": "4096"})])
    assert entry["key"] == {"type": "rsa", "size": 4096}
    assert entry["status"]["key"] == entry["key"]


def test_paths_come_from_the_store_layout_and_each_run_stages_its_own_key():
    (first,) = plan([cert()], certificates_dir="/srv/certs", staging_dir="/srv/staging", run_id="run1")
    assert first["paths"]["key"] == "/srv/certs/web/current/key.pem"
    assert first["paths"]["certificate"] == "/srv/certs/web/current/cert.pem"
    assert first["paths"]["staged_key"] == "/srv/staging/web/run1.key.pem"
    assert first["status"]["path"] == first["paths"]["dir"] == "/srv/certs/web"
    (default,) = plan([cert()])
    (other,) = plan([cert()])
    assert default["paths"]["dir"] == "/etc/certfleet/certs/web"
    assert default["paths"]["staged_key"] != other["paths"]["staged_key"]


@pytest.mark.parametrize("fields, message", [
    ({"name": "../../tmp/x"}, "certificate '../../tmp/x': name '../../tmp/x' must be"),
    ({"name": "a b"}, "name 'a b' must be"),
    ({"name": "a\nb"}, "name 'a\\nb' must be"),
    ({"name": ".hidden"}, "name '.hidden' must be"),
    ({"common_name": ""}, "certificate 'web': common_name '' is not a DNS name"),
    ({"common_name": "y; location /leak/ {"}, "common_name 'y; location /leak/ {' is not a DNS name"),
    ({"subject_alt_names": ["DNS:"]}, "subject_alt_names entry 'DNS:' must look like"),
    ({"subject_alt_names": ["IP:300.1.1.1"]}, "'IP:300.1.1.1' is not an IP address"),
    ({"subject_alt_names": "DNS:a.example"}, "subject_alt_names must be a list"),
    ({"issuer": "nope"}, "certificate 'web': issuer 'nope' is not defined in certfleet_issuers (defined: hsm, pca)"),
    ({"group": "www-data;rm"}, "group 'www-data;rm' is not a user or group name"),
    ({"consumers": ["../nginx"]}, "consumers entry '../nginx' must be"),
    ({"key": {"type": "rsa", "size": 1024}}, "key.size 1024 is not one of 2048, 3072, 4096"),
    ({"key": {"type": "dsa"}}, "key {'type': 'dsa'} must be"),
    ({"key": {"type": "rsa"}}, "certificate 'web': key.size is required for an RSA key: one of 2048, 3072, 4096"),
    ({"validity_days": 0}, "validity_days 0 must be a whole number from 1 to 9125"),
    ({"renew_before": "30d", "validity_days": 7}, "renew_before '30d' with renewal jitter 0.2 reaches back"),
    ({"renew_before": "90%"}, "renew_before '90%' with renewal jitter 0.2 reaches back"),
    ({"renew_before": "soon"}, "renew_before 'soon' must be a number of days"),
    ({"formats": ["pkcs12"]}, "pkcs12_passphrase is required by the pkcs12 format"),
    ({"colour": "blue"}, "fields colour unknown"),
    ({"fullchain_root": "yes"}, "certificate 'web': fullchain_root 'yes' must be true or false"),
])
def test_bad_certificate_declarations_are_refused_naming_field_and_value(fields, message):
    with pytest.raises(AnsibleFilterError) as error:
        plan([cert(**fields)])
    assert message in str(error.value)


@pytest.mark.parametrize("issuer, message", [
    ({"provider": "vault"}, "issuer 'hsm': provider 'vault' is not known (known: acm, acmpca, kms, pkcs11, secretsmanager)"),
    ({"provider": "pkcs11", "token_label": "pki", "key_label": "ca", "ca_certificate": "PEM"},
     "issuer 'hsm': options pkcs11_module required by provider pkcs11 is missing"),
    ({"provider": "acmpca", "certificate_authority_arn": "arn:aws:acm-pca:x"}, "certificate_authority_arn 'arn:aws:acm-pca:x' is not"),
    (dict(ISSUERS["hsm"], token="pki"), "options token unknown for provider pkcs11"),
    (dict(ISSUERS["hsm"], ledger="var/ledger"), "issuer 'hsm': ledger ledger location 'var/ledger' must be an absolute"),
    (dict(ISSUERS["hsm"], ledger="s3://Bad_Bucket/x"), "issuer 'hsm': ledger ledger location 's3://Bad_Bucket/x' is not"),
    (dict(ISSUERS["hsm"], crl_distribution_points=["ldap://x/crl"]),
     "issuer 'hsm': crl_distribution_points 'ldap://x/crl' must be an http:// URL"),
    (dict(ISSUERS["hsm"], crl_distribution_points=["http://x/crl\nssl_crl /etc/passwd"]), "must be an http:// URL"),
    (dict(ISSUERS["hsm"], crl_distribution_points=["http://x/crl\n"]), "must be an http:// URL"),
    (dict(ISSUERS["pca"], ledger="/var/ledger"), "options ledger unknown for provider acmpca"),
])
def test_bad_issuers_are_refused_naming_the_issuer_and_option(issuer, message):
    with pytest.raises(AnsibleFilterError) as error:
        plan([cert()], issuers={"hsm": issuer})
    assert message in str(error.value)


def test_the_ledger_and_distribution_points_reach_the_signing_connection():
    issuer = dict(ISSUERS["hsm"], ledger="s3://pki-ledger/prod", ledger_region="eu-west-1",
                  crl_distribution_points=["http://pki.example.internal/crl/hsm.crl"])
    connection = plan([cert()], issuers={"hsm": issuer})[0]["connection"]
    assert connection["ledger"] == "s3://pki-ledger/prod" and connection["ledger_region"] == "eu-west-1"
    assert connection["crl_distribution_points"] == ["http://pki.example.internal/crl/hsm.crl"]


def test_issuer_policy_refuses_before_any_host_work():
    issuers = {"hsm": dict(ISSUERS["hsm"], allowed_names=["*.web.corp.internal"], max_validity_days=30)}
    with pytest.raises(AnsibleFilterError) as error:
        plan([cert(validity_days=30)], issuers=issuers)
    assert "certificate 'web': for host web-1: DNS:web-1.example.internal is not allowed by the issuer" in str(error.value)
    with pytest.raises(AnsibleFilterError, match="exceeds the issuer's max_validity_days of 30"):
        plan([cert(common_name="a.web.corp.internal")], issuers=issuers)
    (entry,) = plan([cert(common_name="a.web.corp.internal", validity_days=30)], issuers=issuers)
    assert entry["issue"]["allowed_names"] == ["*.web.corp.internal"] and entry["issue"]["max_validity_days"] == 30


def test_a_revoked_certificate_never_reuses_its_key():
    (kept,) = plan([cert(key_reuse=True)])
    (revoked,) = plan([cert(key_reuse=True)], revoking="web,api")
    assert kept["key_reuse"] is True and revoked["key_reuse"] is False


def test_acmpca_options_map_to_the_module_and_jitter_is_bounded():
    (entry,) = plan([cert(issuer="pca")], force_renew="web")
    assert entry["issue"]["template_arn"] == "EndEntityServerAuthCertificate" and "profile" not in entry["issue"]
    assert entry["status"]["force"] is True
    with pytest.raises(AnsibleFilterError, match="certfleet_renewal_jitter 5.0 must be at least 0 and below 1"):
        plan([cert()], jitter=5)


def test_names_are_unique():
    with pytest.raises(AnsibleFilterError, match="repeated: web"):
        plan([cert(), cert()])


def test_the_renewal_window_in_days_goes_to_the_issuer_check():
    (days, share) = plan([cert(renew_before="30d"), cert(name="api", renew_before="33%")])
    assert days["renew_before_days"] == pytest.approx(36) and share["renew_before_days"] == 0


def test_issuing_options_split_into_the_request_and_the_connection_it_shares():
    hsm, pca = plan([cert(), cert(name="api", issuer="pca")])
    assert hsm["request"] == {"common_name": "web-1.example.internal", "subject_alt_names": ["DNS:web-1.example.internal"],
                              "validity_days": 90, "requester": "web-1/web", "profile": "server",
                              "key": {"type": "ec", "curve": "secp256r1"}}
    assert hsm["connection"] == {"pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "pki",
                                 "key_label": "ca", "ca_certificate": "PEM"}
    assert set(pca["connection"]) == {"certificate_authority_arn", "template_arn"} and "profile" not in pca["request"]
    assert dict(hsm["request"], **hsm["connection"]) == hsm["issue"]


@pytest.mark.parametrize("value", ["../x", "/srv/certs/../../etc", "/srv/a\nb", "/srv/a;b", "/srv/{a}", "certs"])
@pytest.mark.parametrize("field", ["certificates_dir", "staging_dir"])
def test_directories_that_reach_host_paths_are_refused_naming_the_variable(field, value):
    with pytest.raises(AnsibleFilterError) as error:
        plan([cert()], **{field: value})
    assert "certfleet_%s %r must be an absolute path" % (field, value) in str(error.value)


@pytest.mark.parametrize("run_id", ["../x", "a\nb", "a;b", "{a}"])
def test_a_run_id_that_is_not_one_path_component_is_refused(run_id):
    with pytest.raises(AnsibleFilterError, match="run_id"):
        plan([cert()], run_id=run_id)


KMS_ISSUER = {"provider": "kms", "key_id": "alias/example-issuing", "ca_certificate": "PEM", "region": "eu-west-1",
              "aws_profile": "pki", "profile": "server_client", "allowed_profiles": ["server", "server_client"]}


def test_a_kms_issuer_takes_the_certificate_profile_per_certificate_and_the_aws_profile_per_run():
    (entry,) = plan([cert(issuer="kms")], dict(ISSUERS, kms=KMS_ISSUER))
    assert entry["provider"] == "kms"
    assert entry["request"]["certificate_profile"] == "server_client"
    assert entry["connection"]["profile"] == "pki" and entry["connection"]["key_id"] == "alias/example-issuing"
    assert "certificate_profile" not in entry["connection"] and "profile" not in entry["request"]


@pytest.mark.parametrize("key_id", ["alias/../x", "arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/1",
                                    "key; rm -rf /", ""])
def test_a_kms_issuer_needs_a_key_id_kms_understands(key_id):
    with pytest.raises(AnsibleFilterError) as raised:
        plan([cert(issuer="kms")], dict(ISSUERS, kms=dict(KMS_ISSUER, key_id=key_id)))
    assert "issuer 'kms': " in str(raised.value)
    assert ("key_id %r is not a KMS key" % key_id in str(raised.value) if key_id
            else "key_id required by provider kms is missing" in str(raised.value))


def test_a_kms_certificate_profile_the_issuer_does_not_allow_is_refused():
    with pytest.raises(AnsibleFilterError) as raised:
        plan([cert(issuer="kms", profile="client")], dict(ISSUERS, kms=KMS_ISSUER))
    assert "certificate 'web': for host web-1:" in str(raised.value) and "client" in str(raised.value)


DELIVERING = {
    "acm": {"provider": "acm", "certificate_authority_arn": ARN, "region": "eu-west-1", "tags": {"team": "web"},
            "allowed_names": ["*.example.internal"]},
    "acm-open": {"provider": "acm", "certificate_authority_arn": ARN},
    "secret": {"provider": "secretsmanager", "secret_id": "prod/tls/www", "region": "eu-west-1"},
}


def test_a_delivered_certificate_is_never_due_on_its_own_and_carries_the_declared_names():
    acm, secret = plan([cert(name="www", issuer="acm", subject_alt_names=["DNS:www.example.internal"],
                             key={"type": "rsa", "size": 2048}),
                        cert(name="api", issuer="secret")], dict(ISSUERS, **DELIVERING))
    assert acm["status"]["source_decides"] and secret["status"]["source_decides"]
    assert acm["request"] == {"requester": "web-1/www", "domain_name": "web-1.example.internal",
                              "subject_alternative_names": ["web-1.example.internal", "www.example.internal"],
                              "key_algorithm": "RSA_2048"}
    assert acm["connection"] == {"certificate_authority_arn": ARN, "region": "eu-west-1", "tags": {"team": "web"}}
    assert secret["request"] == {"requester": "web-1/api", "subject_alt_names": ["DNS:web-1.example.internal"]}
    assert secret["connection"] == {"secret_id": "prod/tls/www", "region": "eu-west-1"}


@pytest.mark.parametrize("fields, message", [
    ({"subject_alt_names": ["IP:10.0.0.5"]}, "subject_alt_names IP:10.0.0.5: ACM private certificates carry DNS names only"),
    ({"key": {"type": "ec", "curve": "secp521r1"}}, "ACM generates EC secp256r1/secp384r1 or RSA 2048/3072/4096 keys"),
    ({"profile": "client"}, "profile is set by the certificate's source (provider acm)"),
    ({"issuer": "acm", "common_name": "web-1.other.example"}, "web-1.other.example is not allowed by the issuer"),
])
def test_what_acm_cannot_deliver_is_refused_before_any_host_work(fields, message):
    with pytest.raises(AnsibleFilterError) as raised:
        plan([cert(**dict({"issuer": "acm-open"}, **fields))], dict(ISSUERS, **DELIVERING))
    assert message in str(raised.value) and "certificate 'web'" in str(raised.value)


@pytest.mark.parametrize("issuer, field, value", [
    ("secret", "secret_id", "prod/tls\nwww"), ("secret", "secret_id", "x;rm -rf /"), ("secret", "secret_id", "x{y}"),
    ("secret", "secret_id", ""),
    ("acm", "tags", {"service": "web\nx"}), ("acm", "tags", {"service;": "web"}), ("acm", "tags", {"a{b}": "c"}),
    ("acm", "tags", "service=web"), ("acm", "tags", {"": "web"}),
])
def test_delivering_issuer_options_that_reach_aws_requests_are_checked(issuer, field, value):
    issuers = dict(ISSUERS, **DELIVERING)
    issuers[issuer] = dict(issuers[issuer], **{field: value})
    with pytest.raises(AnsibleFilterError) as raised:
        plan([cert(issuer=issuer)], issuers)
    assert ("issuer %r: %s" % (issuer, field)) in str(raised.value) or "secret_id required" in str(raised.value)


def test_a_secret_name_with_dots_and_slashes_is_a_name_not_a_path():
    (entry,) = plan([cert(issuer="secret")], dict(ISSUERS, **dict(DELIVERING, secret=dict(
        DELIVERING["secret"], secret_id="../prod/tls/www"))))
    assert entry["connection"]["secret_id"] == "../prod/tls/www"  # an API parameter, never joined to a path


# Issue 29, defect 9: a declaration of the wrong type is shown in the error, never with a
# secret field's value (the PIN, a PKCS#12 passphrase, credentials in an environment).
@pytest.mark.parametrize("certificates, issuers, shown", [
    ([cert(pkcs12_passphrase="p12-secret-value")], [ISSUERS["hsm"]], True),  # issuers as a list
    ({"web": cert(pkcs12_passphrase="p12-secret-value")}, ISSUERS, True),  # certificates as a map
    (["web", cert(pkcs12_passphrase="p12-secret-value")], ISSUERS, False),  # only the bad entry is shown
    ([cert()], {"hsm": dict(ISSUERS["hsm"], environment={"AWS_SECRET_ACCESS_KEY": "env-secret-value"})}, True),
])
def test_no_declaration_error_shows_a_secret(certificates, issuers, shown):
    if isinstance(issuers, dict) and "environment" in issuers["hsm"]:
        issuers = [issuers["hsm"]]  # the wrong type again, holding an environment
    with pytest.raises(AnsibleFilterError) as error:
        plan(certificates, issuers)
    message = str(error.value)
    for secret in ("secret-pin", "p12-secret-value", "env-secret-value"):
        assert secret not in message
    assert ("********" in message) is shown, message


def test_the_plan_imports_nothing_that_knows_s3():
    # Every Ansible worker that plans imports the filter; boto3 alone costs about 0.6 s of CPU.
    code = ("import sys; import ansible_collections.certfleet.pki.plugins.filter.certificate_plan; "
            "print(sorted(name for name in ('boto3', 'botocore', "
            "'ansible_collections.certfleet.pki.plugins.module_utils._ledger_stores') if name in sys.modules))")
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert found.stdout.strip() == "[]", found.stdout
