"""What the roles read from a host's observation: a part only while it still describes the
host, and only the CRLs the host lacks."""

from ansible_collections.certfleet.pki.plugins.filter.host_observation import crl_changes, observed_part
from ansible_collections.certfleet.pki.plugins.module_utils._files import text_digest

OBSERVATION = dict(changed=False, trust=dict(changed=False), certificates=dict(due=[]), servers=[dict(server="nginx")],
                   crls=[dict(path="/crl/hsm.pem")])


def test_a_part_is_read_while_nothing_earlier_in_the_run_changed_the_host():
    assert observed_part(OBSERVATION, "trust") == dict(changed=False)
    assert observed_part(OBSERVATION, "servers", [dict(changed=False), dict(skipped=True)]) == [dict(server="nginx")]


def test_a_part_is_empty_once_an_earlier_role_changed_the_host_so_the_role_looks_again():
    assert observed_part(OBSERVATION, "servers", [dict(skipped=True), dict(changed=True)]) == []
    assert observed_part(OBSERVATION, "certificates", [dict(changed=True)]) == {}


def test_no_usable_observation_means_the_role_runs_its_own_module():
    for observation in ({}, None, dict(skipped=True), dict(OBSERVATION, failed=True), dict(OBSERVATION, trust=None)):
        assert observed_part(observation, "trust") == {}
    assert observed_part(dict(skipped=True), "crls") == []


def test_a_part_of_another_shape_is_not_read():
    assert observed_part(dict(OBSERVATION, certificates="due"), "certificates") == {}
    assert observed_part(dict(OBSERVATION, servers={"server": "nginx"}), "servers") == []
    assert observed_part(dict(OBSERVATION, crls=["/crl/hsm.pem"]), "crls") == []


def test_only_a_crl_whose_file_differs_in_content_or_attributes_is_sent():
    installs = [dict(path="/crl/%s.pem" % name, content="CRL of %s" % name) for name in ("same", "new", "missing", "mode")]
    observed = [dict(path="/crl/same.pem", sha256=text_digest("CRL of same"), attributes_changed=False),
                dict(path="/crl/new.pem", sha256=text_digest("an older CRL"), attributes_changed=False),
                dict(path="/crl/missing.pem", sha256=None, attributes_changed=False),
                dict(path="/crl/mode.pem", sha256=text_digest("CRL of mode"), attributes_changed=True)]
    assert [entry["path"] for entry in crl_changes(installs, observed)] == ["/crl/new.pem", "/crl/missing.pem", "/crl/mode.pem"]
    assert crl_changes(installs, []) == installs
    assert crl_changes(installs, observed[:1]) == installs[1:]
