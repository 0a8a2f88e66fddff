"""The certificate role on lab hosts: failures mid-run, an interrupted rotation, check mode
and diff."""

import os
import re
import signal
import subprocess
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from helpers.paths import REPO
from helpers.lab_fleet import play_recap as recap

SITE = os.path.join(REPO, "playbooks", "site.yml")
HOSTS = ["role-1", "role-2", "role-3"]
CERTIFICATES = [{"name": "web", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                 "subject_alt_names": ["IP:{{ ansible_host }}"]},
                {"name": "api", "issuer": "hsm", "common_name": "{{ inventory_hostname }}",
                 "key": {"type": "rsa", "size": 2048}}]
# The issuer's library is broken on the hosts named in broken_hosts (extra var): the CA
# "fails" for those hosts only.
BROKEN_LIBRARY = "{{ '/nonexistent/libpkcs11.so' if inventory_hostname in broken_hosts | default([]) else '%s' }}"


@pytest.fixture(scope="module")
def fleet(lab_factory, hsm_ca, tmp_path_factory):
    inventory = str(tmp_path_factory.mktemp("role-lab") / "inventory.yml")
    lab = lab_factory("pytest-role", ["%s:plain" % host for host in HOSTS], inventory=inventory)
    variables = hsm_ca.role_vars(CERTIFICATES, pkcs11_module=BROKEN_LIBRARY % hsm_ca.hsm.module)
    return dict(lab=lab, inventory=inventory, vars=variables, env=hsm_ca.env)


def site(fleet, *extra, check=True):
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"], *extra],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    if check:
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def serials(fleet):
    command = "for c in web api; do openssl x509 -noout -serial -in /etc/certfleet/certs/$c/current/cert.pem 2>/dev/null || echo none; done"
    return dict((host, fleet["lab"].ssh(host, command).stdout.split()) for host in HOSTS)


def test_a_failing_ca_for_one_host_leaves_the_others_done_and_the_rerun_finishes(fleet):
    first = site(fleet, "-e", '{"broken_hosts": ["role-2"]}', check=False)
    assert first.returncode != 0
    assert "role-2" in first.stdout and "PKCS#11 library not found: /nonexistent/libpkcs11.so" in first.stdout
    before = serials(fleet)
    assert before["role-2"] == ["none", "none"]
    assert all(serial != "none" for host in ("role-1", "role-3") for serial in before[host])

    second = site(fleet)
    counts = recap(second.stdout)
    assert counts["role-1"][0] == 0 and counts["role-3"][0] == 0, "only what was left is done"
    assert counts["role-2"][0] > 0
    after = serials(fleet)
    assert after["role-1"] == before["role-1"] and after["role-3"] == before["role-3"]
    assert "none" not in after["role-2"]

    third = site(fleet)
    assert all(changed == 0 for changed, _failed in recap(third.stdout).values())


def test_one_signing_run_gives_each_host_certificates_for_its_own_name_and_key(fleet, hsm_ca, tmp_path):
    site(fleet, "-e", '{"certfleet_force_renew": ["web", "api"]}')
    root = tmp_path / "root.pem"
    root.write_text(hsm_ca.root_pem)
    for host in HOSTS:
        for name in ("web", "api"):
            directory = "/etc/certfleet/certs/%s/current" % name
            served = fleet["lab"].ssh(host, "cat %s/cert.pem; openssl pkey -in %s/key.pem -pubout" % (directory, directory))
            certificate_pem, key_public = served.stdout.split("-----BEGIN PUBLIC KEY-----")
            certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
            certified_key = certificate.public_key().public_bytes(serialization.Encoding.PEM,
                                                                  serialization.PublicFormat.SubjectPublicKeyInfo)
            assert certified_key.decode() == "-----BEGIN PUBLIC KEY-----" + key_public, "%s/%s: its own key" % (host, name)
            assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == host
            leaf = tmp_path / ("%s-%s.pem" % (host, name))
            leaf.write_text(certificate_pem)
            verified = subprocess.run(["openssl", "verify", "-CAfile", str(root), str(leaf)], capture_output=True,
                                      text=True, check=False)
            assert verified.returncode == 0, verified.stdout + verified.stderr
        web = x509.load_pem_x509_certificate(fleet["lab"].ssh(host, "cat /etc/certfleet/certs/web/current/cert.pem").stdout.encode())
        addresses = web.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.IPAddress)
        assert [str(address) for address in addresses] == [fleet["lab"].hosts[host]["address"]]


def test_check_mode_reports_and_calls_no_ca(fleet):
    before = serials(fleet)
    # The CA is broken for every host: a check-mode run that called it would fail.
    run = site(fleet, "--check", "-e", '{"broken_hosts": %s, "certfleet_force_renew": ["web"]}' % HOSTS)
    assert "web: forced" in run.stdout
    # The recap counts what a real run would change (one renewal per host), and nothing changed.
    assert all(changed == 1 for changed, _failed in recap(run.stdout).values()), recap(run.stdout)
    assert serials(fleet) == before


def test_diff_shows_the_version_switch(fleet):
    run = site(fleet, "--diff", "--limit", "role-1", "-e", '{"certfleet_force_renew": ["api"]}')
    assert re.search(r"^-\S+Z-[0-9a-f]+\s+CN=role-1\s+serial", run.stdout, re.M)
    assert re.search(r"^\+\S+Z-[0-9a-f]+\s+CN=role-1\s+serial", run.stdout, re.M)


def test_revoking_a_certificate_of_the_hsm_ca_is_refused_before_anything_changes(fleet):
    before = serials(fleet)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], os.path.join(REPO, "playbooks", "revoke.yml"),
                          "-e", "@" + fleet["vars"], "-e", "certfleet_revoke=web,api"],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=300)
    assert run.returncode != 0
    assert "web: issuer hsm (pkcs11) cannot revoke: it keeps no issuance ledger" in run.stdout
    assert all(changed == 0 for changed, _failed in recap(run.stdout).values())
    assert serials(fleet) == before


def complete_and_consistent(lab, host):
    """Every file of `current` is there and the key matches the certificate."""
    command = ("cd /etc/certfleet/certs/web/current && test -s cert.pem && test -s fullchain.pem && test -s key.pem && "
               "test \"$(openssl x509 -noout -pubkey -in cert.pem)\" = \"$(openssl pkey -pubout -in key.pem)\"")
    return lab.ssh(host, command, check=False).returncode == 0


def test_killed_rotation_leaves_every_current_complete(fleet):
    process = subprocess.Popen(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"],
                                "-e", '{"certfleet_force_renew": ["web", "api"]}'],
                               env=fleet["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    for line in process.stdout:
        if "Install as a new version" in line or time.monotonic() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)  # the playbook and its SSH connections, mid-deploy
    process.wait()
    assert all(complete_and_consistent(fleet["lab"], host) for host in HOSTS)
    site(fleet)
    assert all(complete_and_consistent(fleet["lab"], host) for host in HOSTS)
    # The keys the killed run staged (copies of keys now live) are removed once they are
    # older than certfleet_staging_max_age (0 here: no other run is going on).
    left = staged_files(fleet)
    assert any(left.values()), "the kill came after key generation: staged keys were left"
    cleaned = site(fleet, "-e", '{"certfleet_staging_max_age": 0}')
    assert all(recap(cleaned.stdout)[host][0] == 1 for host, files in left.items() if files), "removal is a change"
    assert staged_files(fleet) == dict((host, []) for host in HOSTS)


def test_connection_local_with_issuance_on_the_host(hsm_ca, tmp_path):
    """The SSM Run Command shape: `-i localhost, -c local`, issuing on the host itself. The
    role's directories point into tmp_path, so nothing outside it is written."""
    variables = hsm_ca.role_vars([{"name": "local", "issuer": "hsm", "common_name": "local.example.internal"}])
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", SITE, "-e", "@" + variables,
               "-e", "ansible_python_interpreter={{ ansible_playbook_python }}",
               "-e", '{"certfleet_issue_on_host": true, "certfleet_certificates_dir": "%s", "certfleet_staging_dir": "%s"}'
               % (tmp_path / "certs", tmp_path / "staging")]
    first = subprocess.run(command, env=hsm_ca.env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stdout[-3000:]
    assert recap(first.stdout)["localhost"][0] > 0
    current = tmp_path / "certs" / "local" / "current"
    # The root signed it directly: servers send the leaf alone; chain.pem keeps the root.
    assert (current / "fullchain.pem").read_text() == (current / "cert.pem").read_text()
    assert (current / "chain.pem").read_text().strip() == hsm_ca.root_pem.strip()
    second = subprocess.run(command, env=hsm_ca.env, capture_output=True, text=True, check=False)
    assert second.returncode == 0 and recap(second.stdout)["localhost"] == (0, 0)


def staged_files(fleet):
    return dict((host, fleet["lab"].ssh(host, "find /etc/certfleet/staging -type f 2>/dev/null || true").stdout.split())
                for host in HOSTS)


def test_an_issuer_whose_key_is_not_its_ca_certificates_is_refused_before_any_host_work(fleet, hsm_ca, tmp_path):
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", str(tmp_path / "other-ca.key"), "-out", str(other_ca), "-subj", "/CN=Other CA",
                    "-days", "30"], check=True, capture_output=True)
    variables = hsm_ca.role_vars(CERTIFICATES, ca_certificate=other_ca.read_text())
    before, staged_before = serials(fleet), staged_files(fleet)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + variables,
                          "-e", '{"certfleet_force_renew": ["web"]}'],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode != 0
    assert "issuer hsm: the key on the token (EC secp256r1) does not belong to its ca_certificate; " \
           "nothing was staged or signed on any host" in run.stdout, run.stdout[-3000:]
    assert all(failed == 1 for _changed, failed in recap(run.stdout).values()), recap(run.stdout)
    assert staged_files(fleet) == staged_before
    assert serials(fleet) == before


def test_a_wrong_pin_fails_every_host_at_the_one_signing_login_and_leaves_nothing_staged(fleet, hsm_ca):
    # The issuer check reads the public key without a login, so the PIN is first used by the
    # batch's signing run: every host fails there, with the token's message.
    variables = hsm_ca.role_vars(CERTIFICATES, pin="0000")
    before, staged_before = serials(fleet), staged_files(fleet)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + variables,
                          "-e", '{"certfleet_force_renew": ["web"]}'],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode != 0
    for host in HOSTS:
        assert re.search(r"fatal: \[%s\].*%s/web: wrong PIN for token" % (host, host), run.stdout), run.stdout[-3000:]
    assert all(failed == 1 for _changed, failed in recap(run.stdout).values()), recap(run.stdout)
    assert staged_files(fleet) == staged_before
    assert serials(fleet) == before


def versions_of(fleet, host):
    return fleet["lab"].ssh(host, "ls /etc/certfleet/certs/web | grep -v current").stdout.split()


def test_two_concurrent_forced_rotations_both_succeed_and_install_all_they_sign(fleet):
    before, staged_before = dict((host, versions_of(fleet, host)) for host in HOSTS), staged_files(fleet)
    command = ["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + fleet["vars"],
               "-e", '{"certfleet_force_renew": ["web"], "certfleet_keep_versions": 20}']
    runs = [subprocess.Popen(command, env=fleet["env"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _run in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs[0][-2000:] + outputs[1][-2000:]
    for host in HOSTS:
        # Each run signed one certificate for the host, and both are installed as versions.
        new = sorted(set(versions_of(fleet, host)) - set(before[host]))
        assert len(new) == 2, (host, new)
        assert complete_and_consistent(fleet["lab"], host)
    assert staged_files(fleet) == staged_before, "each run removed the key it staged"
    assert all(changed == 0 for changed, _failed in recap(site(fleet).stdout).values())


def test_key_reuse_with_a_changed_key_declaration_converges_in_one_run(fleet, hsm_ca):
    reuse = {"name": "reuse", "issuer": "hsm", "common_name": "{{ inventory_hostname }}", "key_reuse": True}
    first = hsm_ca.role_vars([dict(reuse, key={"type": "ec"})])
    second = hsm_ca.role_vars([dict(reuse, key={"type": "rsa", "size": 3072})])
    run = subprocess.run
    for variables, expected in ((first, "EC"), (second, "RSA")):
        done = run(["ansible-playbook", "-i", fleet["inventory"], SITE, "--limit", "role-1", "-e", "@" + variables],
                   env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
        assert done.returncode == 0 and recap(done.stdout)["role-1"][0] > 0, done.stdout[-3000:]
        key = fleet["lab"].ssh("role-1", "openssl pkey -in /etc/certfleet/certs/reuse/current/key.pem -noout -text").stdout
        assert key.startswith("Private-Key: (3072 bit" if expected == "RSA" else "Private-Key: (256 bit"), key[:80]
        again = run(["ansible-playbook", "-i", fleet["inventory"], SITE, "--limit", "role-1", "-e", "@" + variables],
                    env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
        assert again.returncode == 0 and recap(again.stdout)["role-1"] == (0, 0), again.stdout[-3000:]


def test_an_invalid_declaration_fails_before_the_first_host_task(fleet, hsm_ca):
    # One bad declaration proves the wiring (the plan is checked before any host task); each
    # rule and its message is proven in tests/unit/plugins/filter/test_certificate_plan.py.
    message = "certificate '../../etc': name '../../etc' must be"
    certificates = [dict(CERTIFICATES[0], name="../../etc")] + CERTIFICATES[1:]
    variables = hsm_ca.role_vars(certificates)
    before, staged_before = serials(fleet), staged_files(fleet)
    run = subprocess.run(["ansible-playbook", "-i", fleet["inventory"], SITE, "-e", "@" + variables,
                          "-e", '{"certfleet_force_renew": ["web", "api"]}'],
                         env=fleet["env"], capture_output=True, text=True, check=False, timeout=600)
    assert run.returncode != 0 and message in run.stdout, run.stdout[-3000:]
    # Every host failed on the controller-side check: no task ran on any of them.
    assert "Every certificate, issuer and TLS site declaration is valid" in run.stdout
    assert dict(re.findall(r"^(\S+)\s+: ok=(\d+)", run.stdout, re.M)) == dict((host, "0") for host in HOSTS)
    assert all(failed == 1 for _changed, failed in recap(run.stdout).values()), recap(run.stdout)
    assert serials(fleet) == before and staged_files(fleet) == staged_before


def test_a_host_with_nothing_declared_says_so_and_changes_nothing(tmp_path):
    command = ["ansible-playbook", "-i", "localhost,", "-c", "local", SITE,
               "-e", "ansible_python_interpreter={{ ansible_playbook_python }}",
               "-e", '{"certfleet_certificates_dir": "%s", "certfleet_staging_dir": "%s"}'
               % (tmp_path / "certs", tmp_path / "staging")]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    assert run.returncode == 0 and recap(run.stdout)["localhost"] == (0, 0), run.stdout[-3000:]
    assert run.stdout.count("localhost: no certificate, trust anchor, bundle, truststore or TLS site is declared") == 1
