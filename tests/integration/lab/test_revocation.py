"""Revocation with the HSM-backed CA, end to end on an nginx host and an Apache host that
verify client certificates (mTLS): a client certificate is accepted; revoke.yml replaces it,
records it in the ledger and publishes a CRL; the next distribution run (playbooks/crl.yml)
makes both servers refuse it while another client's certificate is still accepted; a second
run and a check run change nothing."""

import json
import os
import subprocess

import pytest
from cryptography import x509

from helpers.lab_fleet import play_recap
from helpers.paths import REPO

PLAYBOOKS = os.path.join(REPO, "playbooks")
HOSTS = {"crl-ng": "nginx", "crl-ap": "apache"}
CRL_PATH = "/etc/certfleet/crl/hsm.pem"
CDP = "http://pki.example.internal/crl/hsm.crl"
CERTIFICATES = [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                 "subject_alt_names": ["DNS:{{ inventory_hostname }}.example.internal"]},
                {"name": "alice", "issuer": "hsm", "profile": "client", "common_name": "alice",
                 "subject_alt_names": ["DNS:alice.clients.example.internal"]},
                {"name": "bob", "issuer": "hsm", "profile": "client", "common_name": "bob",
                 "subject_alt_names": ["DNS:bob.clients.example.internal"]}]
MTLS_SITE = ("{'name': 'mtls', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], "
             "'listen_address': ansible_host, 'port': 443, 'client_auth': {'verify': 'required', "
             "'ca_file': '/etc/certfleet/certs/web/current/chain.pem', 'crl': '%s'}}" % CRL_PATH)
# A site without client_auth on the same server: the CRL-driven reload must cope with both kinds.
PLAIN_SITE = ("{'name': 'www', 'certificate': 'web', 'server_names': [inventory_hostname ~ '.example.internal'], "
              "'listen_address': ansible_host, 'port': 8443}")
SITES = json.dumps({
    "certfleet_nginx_sites": "{{ [%s, %s] if inventory_hostname == 'crl-ng' else [] }}" % (MTLS_SITE, PLAIN_SITE),
    "certfleet_apache_sites": "{{ [%s, %s] if inventory_hostname == 'crl-ap' else [] }}" % (MTLS_SITE, PLAIN_SITE),
    "certfleet_tls_trust_anchor": "/etc/certfleet/certs/web/current/chain.pem",
    "certfleet_crl_issuers": ["hsm"],
})


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, tmp_path_factory):
    directory = tmp_path_factory.mktemp("revocation")
    inventory = str(directory / "inventory.yml")
    lab = lab_factory("pytest-revocation", ["%s:%s" % item for item in HOSTS.items()], inventory=inventory)
    ledger = str(directory / "ledger")
    variables = hsm_ca.role_vars(CERTIFICATES, ledger=ledger, crl_distribution_points=[CDP])
    return dict(lab=lab, inventory=inventory, vars=variables, env=hsm_ca.env, ledger=ledger, ca=hsm_ca.root_pem)


def playbook(fleet, name, *extra, expect_success=True):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], os.path.join(PLAYBOOKS, name),
                          "-e", "@" + fleet["vars"], "-e", SITES, *extra],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    if expect_success:
        assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-2000:]
    return run


def client_request(fleet, host, version_dir):
    """curl's exit code for an HTTPS request from the host to its own mTLS site, presenting
    the client certificate of ``version_dir`` (its key never leaves the host)."""
    address = fleet["lab"].hosts[host]["address"]
    command = ("curl -sS --fail -o /dev/null --max-time 10 --cacert /etc/certfleet/certs/web/current/chain.pem "
               "--resolve {host}.example.internal:443:{address} --cert {dir}/cert.pem --key {dir}/key.pem "
               "https://{host}.example.internal/").format(host=host, address=address, dir=version_dir)
    return fleet["lab"].ssh(host, command, check=False).returncode


def current_version(fleet, host, name):
    return fleet["lab"].ssh(host, "readlink -f /etc/certfleet/certs/%s/current" % name).stdout.strip()


def test_a_revoked_client_certificate_is_refused_after_the_next_distribution(fleet):
    lab = fleet["lab"]
    playbook(fleet, "site.yml")
    old_alice = dict((host, current_version(fleet, host, "alice")) for host in HOSTS)
    bob = dict((host, current_version(fleet, host, "bob")) for host in HOSTS)
    for host in HOSTS:
        assert client_request(fleet, host, old_alice[host]) == 0, host
        assert client_request(fleet, host, bob[host]) == 0, host
        issued = x509.load_pem_x509_certificate(lab.ssh(host, "cat %s/cert.pem" % old_alice[host]).stdout.encode())
        points = issued.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
        assert points[0].full_name[0].value == CDP

    revoked = playbook(fleet, "revoke.yml", "-e", "certfleet_revoke=alice", "-e", "certfleet_revocation_reason=KEY_COMPROMISE")
    assert "Publish the new CRLs in their ledgers" in revoked.stdout
    for host in HOSTS:
        new_alice = current_version(fleet, host, "alice")
        assert new_alice != old_alice[host]
        # The servers have not read the new CRL yet: the old certificate still passes.
        assert client_request(fleet, host, old_alice[host]) == 0, host

    distributed = playbook(fleet, "crl.yml")
    assert all(changed > 0 for changed, _failed in play_recap(distributed.stdout).values())
    for host in HOSTS:
        assert client_request(fleet, host, old_alice[host]) != 0, "%s still accepts the revoked certificate" % host
        assert client_request(fleet, host, bob[host]) == 0, host
        assert client_request(fleet, host, current_version(fleet, host, "alice")) == 0, host
        # openssl agrees, with the CRL as the host holds it.
        verified = lab.ssh(host, "openssl verify -crl_check -CAfile /etc/certfleet/certs/web/current/chain.pem "
                                 "-CRLfile %s %s/cert.pem" % (CRL_PATH, old_alice[host]), check=False)
        assert verified.returncode != 0 and "certificate revoked" in verified.stdout + verified.stderr
        crl_check = lab.ssh(host, "openssl crl -noout -in %s -CAfile /etc/certfleet/certs/web/current/chain.pem" % CRL_PATH)
        assert "verify OK" in crl_check.stdout + crl_check.stderr

    crl = x509.load_pem_x509_crl(lab.ssh("crl-ng", "cat " + CRL_PATH).stdout.encode())
    reasons = [entry.extensions.get_extension_for_class(x509.CRLReason).value.reason for entry in crl]
    assert reasons == [x509.ReasonFlags.key_compromise] * 2  # alice of each host, nothing else

    again = playbook(fleet, "crl.yml")
    assert all(changed == 0 for changed, _failed in play_recap(again.stdout).values()), again.stdout[-3000:]
    checked = playbook(fleet, "crl.yml", "--check", "--diff")
    assert all(changed == 0 for changed, _failed in play_recap(checked.stdout).values()), checked.stdout[-3000:]
    site_again = playbook(fleet, "site.yml")
    assert all(changed == 0 for changed, _failed in play_recap(site_again.stdout).values()), site_again.stdout[-3000:]


def test_revoking_with_an_issuer_without_a_ledger_is_refused(fleet, hsm_ca, tmp_path):
    no_ledger = hsm_ca.role_vars(CERTIFICATES)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], os.path.join(PLAYBOOKS, "revoke.yml"),
                          "-e", "@" + no_ledger, "-e", SITES, "-e", "certfleet_revoke=bob"],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=300)
    assert run.returncode != 0
    assert "bob: issuer hsm (pkcs11) cannot revoke: it keeps no issuance ledger" in run.stdout
    assert all(changed == 0 for changed, _failed in play_recap(run.stdout).values())
