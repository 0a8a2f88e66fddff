"""issuer_run on the controller (issue 31): each run executes the module the provider registry
names, with the issuer's secrets and environment read from the declaration, records what an
HSM-backed issuer signed in its ledger before anything is installed, and routes every result
to the host that asked."""

from unittest import mock

from ansible.playbook.task import Task

from ansible_collections.certfleet.pki.plugins.action import issuer_run as action_plugin

ISSUERS = {"hsm": {"provider": "pkcs11", "pin": "1234", "environment": {"SOFTHSM2_CONF": "/etc/softhsm.conf"}},
           "pca": {"provider": "acmpca"}}
HSM_CONNECTION = dict(pkcs11_module="/lib/p11.so", token_label="ca", key_label="ca", ca_certificate="PEM",
                      ledger="file:///var/lib/ledger")


def run_of(issuer, provider, connection, *owners):
    return dict(issuer=issuer, provider=provider, connection=connection,
                owners=[dict(host=host, name=name) for host, name in owners],
                requests=[dict(requester="%s/%s" % owner, csr="CSR") for owner in owners])


def signed(request_args):
    return dict(changed=True, certificates=[dict(requester=request["requester"], certificate="CERT " + request["requester"],
                                                 changed=True) for request in request_args["requests"]])


def issuer_run(args, answer):
    """(result, [(module, args, environment)]) of one issuer_run with modules answered by ``answer``."""
    task = Task()
    task.args = dict(args, issuers=ISSUERS)
    task.action = "certfleet.pki.issuer_run"
    action = action_plugin.ActionModule(task, mock.MagicMock(), mock.MagicMock(), loader=None, templar=None,
                                        shared_loader_obj=None)
    calls = []

    def execute(module_name, module_args, task_vars):
        calls.append((module_name, module_args, task.environment))
        return answer(module_name, module_args)

    with mock.patch.object(action_plugin, "_with_module_defaults", lambda name, task, arguments, templar: arguments), \
            mock.patch.object(action, "_execute_module", side_effect=execute), \
            mock.patch.object(action, "_remove_tmp_path"):
        return action.run(task_vars={}), calls


def test_each_run_signs_through_its_providers_module_and_each_host_gets_its_own_result():
    runs = [run_of("hsm", "pkcs11", dict(HSM_CONNECTION, ledger=None), ("web-1", "www"), ("web-2", "www")),
            run_of("pca", "acmpca", dict(certificate_authority_arn="arn"), ("web-1", "api"))]
    result, calls = issuer_run(dict(step="sign", runs=runs), lambda module, args: signed(args))
    assert [call[0] for call in calls] == ["certfleet.pki.pkcs11_certificate", "certfleet.pki.acmpca_certificate"]
    assert calls[0][1]["pin"] == "1234" and "ledger" not in calls[0][1] and "pin" not in calls[1][1]
    assert calls[0][2] == [{"SOFTHSM2_CONF": "/etc/softhsm.conf"}] and calls[1][2] == [{}]
    assert result["by_host"]["web-1"]["www"]["certificate"] == "CERT web-1/www"
    assert result["by_host"]["web-2"]["www"]["certificate"] == "CERT web-2/www"
    assert result["by_host"]["web-1"]["api"]["certificate"] == "CERT web-1/api"
    assert result["changed"] is False and not result.get("failed")


def test_what_an_hsm_issuer_signed_is_recorded_in_its_ledger_with_the_owners_the_controller_recorded():
    runs = [run_of("hsm", "pkcs11", HSM_CONNECTION, ("web-1", "www"), ("web-2", "www"))]
    result, calls = issuer_run(dict(step="sign", runs=runs),
                               lambda module, args: signed(args) if module.endswith("pkcs11_certificate") else {})
    ledger = calls[1]
    assert ledger[0] == "certfleet.pki.certificate_ledger"
    assert ledger[1] == dict(location="file:///var/lib/ledger", ca="hsm", certificates=[
        dict(certificate="CERT web-1/www", host="web-1", name="www"), dict(certificate="CERT web-2/www", host="web-2", name="www")])
    assert not result["by_host"]["web-1"]["www"].get("failed")


def test_a_ledger_that_cannot_be_written_fails_every_request_of_its_run():
    runs = [run_of("hsm", "pkcs11", HSM_CONNECTION, ("web-1", "www"), ("web-2", "www"))]
    result, _calls = issuer_run(dict(step="sign", runs=runs), lambda module, args: (
        signed(args) if module.endswith("pkcs11_certificate") else dict(failed=True, msg="AccessDenied")))
    for host in ("web-1", "web-2"):
        assert result["by_host"][host]["www"]["failed"]
        assert "ledger file:///var/lib/ledger was not written (AccessDenied)" in result["by_host"][host]["www"]["msg"]
    assert result["runs"] == [dict(issuer="hsm", requests=2, failed=True, msg=mock.ANY)]


def test_the_check_step_runs_each_providers_check_module_and_none_where_it_has_none():
    runs = [dict(issuer="hsm", provider="pkcs11", connection=HSM_CONNECTION, renew_before_days=30),
            dict(issuer="kms-ca", provider="kms", connection=dict(key_id="alias/ca"), renew_before_days=30)]
    result, calls = issuer_run(dict(step="check", runs=runs), lambda module, args: dict(found=True, invocation={}))
    assert [(call[0], call[1]) for call in calls] == [("certfleet.pki.pkcs11_ca_info", dict(
        pkcs11_module="/lib/p11.so", token_label="ca", key_label="ca", ca_certificate="PEM", pin="1234", login="when_needed"))]
    assert result["results"] == [dict(found=True, item=runs[0]), dict(item=runs[1])]


def test_a_delivering_run_takes_the_transit_passphrase():
    runs = [run_of("pca", "acm", dict(certificate_authority_arn="arn", tags={"team": "web"}), ("web-1", "tls"))]
    result, calls = issuer_run(dict(step="deliver", runs=runs, passphrase="transit"), lambda module, args: signed(args))
    assert calls[0][0] == "certfleet.pki.acm_private_certificate"
    assert calls[0][1]["passphrase"] == "transit" and calls[0][1]["tags"] == {"team": "web"}
    assert result["by_host"]["web-1"]["tls"]["certificate"] == "CERT web-1/tls"


def test_a_ledger_issuer_revokes_every_recorded_version_but_the_replacement():
    run = dict(issuer="hsm", provider="pkcs11", connection=HSM_CONNECTION, host="web-1", name="www",
               common_name="www", subject_alt_names=["DNS:www"], keep_serial="0c")
    issued = [dict(serial="0a", revoked=True), dict(serial="0b", revoked=False), dict(serial="0c", revoked=False)]
    result, calls = issuer_run(dict(step="revoke", runs=[run], reason="KEY_COMPROMISE"),
                               lambda module, args: dict(issued=issued) if module.endswith("_info") else dict(changed=True))
    assert [call[0] for call in calls] == ["certfleet.pki.certificate_ledger_info", "certfleet.pki.certificate_ledger"]
    assert calls[0][1] == dict(location="file:///var/lib/ledger", ca="hsm", host="web-1", names=["www"])
    assert calls[1][1] == dict(location="file:///var/lib/ledger", ca="hsm", revoke=["0b"], revocation_reason="KEY_COMPROMISE")
    assert result["revoked"] == [dict(name="www", issuer="hsm", serials=["0b"])] and result["ledger_issuers"] == ["hsm"]


def test_a_ca_issuer_revokes_each_certificate_of_the_key_with_the_declared_names_and_a_failure_fails_the_host():
    run = dict(issuer="pca", provider="acmpca", connection=dict(certificate_authority_arn="arn"), host="web-1",
               name="api", common_name="api", subject_alt_names=["DNS:api"], certificates=["PEM 1", "PEM 2"])
    answers = iter([dict(changed=True, serial="01"), dict(failed=True, msg="not issued by CA arn; nothing was revoked")])
    result, calls = issuer_run(dict(step="revoke", runs=[run]), lambda module, args: next(answers))
    assert [call[1]["current_certificate"] for call in calls] == ["PEM 1", "PEM 2"]
    assert calls[0][0] == "certfleet.pki.acmpca_certificate"
    assert calls[0][1]["state"] == "revoked" and calls[0][1]["common_name"] == "api"
    assert calls[0][1]["revocation_reason"] == "SUPERSEDED"
    assert result["failed"] and result["msg"] == "api: issuer pca: not issued by CA arn; nothing was revoked"
