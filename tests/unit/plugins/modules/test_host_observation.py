"""host_observation: each part is what the module that writes it answers in check mode, and
nothing on the host is written, removed or reloaded, in check mode or not."""

import os
import time

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._files import text_digest
from ansible_collections.certfleet.pki.plugins.modules import (
    certificate_status,
    host_observation,
    tls_server_config,
    trust_store,
)
from helpers.tls_server import NAME

CONFIG = "server { listen 443 ssl; }\n"


@pytest.fixture
def host(tmp_path, pki):
    """A bundle to keep, a certificate due (never installed) with a staged key an interrupted run
    left behind, a TLS server serving the "old" certificate, and the declarations of all three."""
    staging = tmp_path / "staging" / "web"
    staging.mkdir(parents=True)
    stale = staging / "killed.key.pem"
    stale.write_text("staged")
    os.utime(str(stale), (time.time() - 7200,) * 2)
    current = tmp_path / "certs" / "web" / "current"
    current.mkdir(parents=True)
    current.joinpath("cert.pem").write_text(open(pki["certificates"]["old"]).read())
    (tmp_path / "conf.d").mkdir()
    root = (tmp_path / "root.pem").read_text()
    return dict(
        stale=stale,
        config=tmp_path / "conf.d" / "certfleet.conf",
        trust=dict(bundles=[dict(path=str(tmp_path / "clients-ca.pem"), certificates=[root])]),
        certificates=dict(host="web-1", base_path=str(tmp_path / "store"), staging_max_age=3600, certificates=[
            dict(name="web", common_name="web-1", renew_before="30d", staging_dir=str(staging))]),
        server=dict(server="nginx", content=CONFIG, config_dir=str(tmp_path / "conf.d"), mode="0644", endpoints=[
            dict(address="127.0.0.1", port=pki["server"].port, server_name=NAME,
                 certificate_dir=str(tmp_path / "certs" / "web"))]),
    )


def answer(module_runner, module, args):
    """What ``module`` answers in check mode, without the invocation Ansible adds to a result."""
    result = module_runner(module, args, check_mode=True)
    result.pop("invocation")
    return result


def observe(module_runner, host, check_mode=False, **parts):
    arguments = dict(trust=host["trust"], certificates=host["certificates"], servers=[host["server"]])
    return module_runner(host_observation, dict(arguments, **parts), check_mode=check_mode)


def test_each_part_is_the_check_mode_answer_of_its_module(module_runner, host):
    observed = observe(module_runner, host)
    assert observed["changed"] is False and "failed" not in observed, observed
    assert observed["trust"] == answer(module_runner, trust_store, host["trust"])
    status = answer(module_runner, certificate_status, host["certificates"])
    assert observed["certificates"] == status and status["due"] == ["web"]
    server = answer(module_runner, tls_server_config, host["server"])
    assert observed["servers"] == [dict(server, server="nginx")] and server["reload_needed"] is True


def test_nothing_is_written_or_removed_even_outside_check_mode(module_runner, host):
    observed = observe(module_runner, host, check_mode=False)
    assert observed["certificates"]["removed_staged_keys"] == [str(host["stale"])] and host["stale"].exists()
    assert observed["trust"]["changed"] is True and not os.path.exists(host["trust"]["bundles"][0]["path"])
    assert observed["servers"][0]["files"][0]["changed"] is True and not host["config"].exists()


def test_an_observed_server_that_needs_nothing_says_so(module_runner, host):
    module_runner(tls_server_config, host["server"])
    observed = observe(module_runner, host)
    assert observed["servers"][0]["reload_needed"] is False and observed["servers"][0]["endpoints"][0]["serving"] is True


def test_crl_files_are_read_as_digests_with_their_attributes(module_runner, tmp_path):
    kept, drifted, missing = tmp_path / "kept.pem", tmp_path / "drifted.pem", tmp_path / "missing.pem"
    kept.write_text("a CRL\n")
    drifted.write_text("another CRL\n")
    os.chmod(str(kept), 0o644)
    os.chmod(str(drifted), 0o600)
    observed = module_runner(host_observation, dict(crls=dict(paths=[str(kept), str(drifted), str(missing)], mode="0644")))
    assert observed["crls"] == [
        dict(path=str(kept), sha256=text_digest("a CRL\n"), attributes_changed=False),
        dict(path=str(drifted), sha256=text_digest("another CRL\n"), attributes_changed=True),
        dict(path=str(missing), sha256=None, attributes_changed=False),
    ]
    assert oct(drifted.stat().st_mode & 0o777) == "0o600"


def test_parts_not_given_are_not_observed(module_runner):
    observed = module_runner(host_observation, {})
    assert observed["trust"] is None and observed["certificates"] is None
    assert observed["servers"] == [] and observed["crls"] == []


@pytest.mark.parametrize("parts, named", [
    (dict(servers=[dict(server="nginx")]), "servers[0]: missing required arguments: content"),
    (dict(certificates=dict(certificates=[])), "certificates: missing required arguments: host"),
    (dict(trust=dict(bundles=[dict(path="/tmp/x", mode="0644")])), "trust: "),
])
def test_a_bad_part_fails_naming_the_part_and_the_field(module_runner, parts, named):
    result = module_runner(host_observation, parts)
    assert result["failed"] is True and named in result["msg"], result
