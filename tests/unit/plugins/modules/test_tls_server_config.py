"""tls_server_config: the sites file compared and written (with a backup), linked, and every
endpoint probed, in one run; against a TLS server on 127.0.0.1 in this process."""

import os
import shutil

import pytest

from ansible_collections.certfleet.pki.plugins.modules import tls_server_config
from helpers.tls_server import NAME

CONFIG = "server { listen 443 ssl; }\n"


@pytest.fixture
def host(tmp_path, pki):
    """A config directory, and a certificate directory whose current certificate is "old"
    (the one the server serves)."""
    current = tmp_path / "certs" / "web" / "current"
    current.mkdir(parents=True)
    shutil.copy(pki["certificates"]["old"], current / "cert.pem")
    (tmp_path / "conf.d").mkdir()
    return dict(pki, config_dir=tmp_path / "conf.d", certificate_dir=str(tmp_path / "certs" / "web"))


def apply(module_runner, host, check_mode=False, **args):
    endpoint = dict(address="127.0.0.1", port=host["server"].port, server_name=NAME, certificate_dir=host["certificate_dir"])
    arguments = dict(server="nginx", content=CONFIG, config_dir=str(host["config_dir"]), endpoints=[endpoint],
                     _ansible_diff=True)
    return module_runner(tls_server_config, dict(arguments, **args), check_mode=check_mode)


def test_a_new_file_is_written_then_a_second_run_changes_nothing_and_needs_no_reload(module_runner, host):
    first = apply(module_runner, host)
    path = host["config_dir"] / "certfleet.conf"
    assert first["changed"] is True and path.read_text() == CONFIG and oct(path.stat().st_mode & 0o777) == "0o644"
    assert first["files"] == [dict(path=str(path), changed=True, backup_file=None)]
    assert first["diff"]["before"] == "" and first["diff"]["after"] == CONFIG
    second = apply(module_runner, host)
    assert second["changed"] is False and second["reload_needed"] is False and "diff" not in second
    assert second["endpoints"][0]["serving"] is True and second["endpoints"][0]["deployed"] is True
    assert second["layout"]["service"] == "nginx" and second["layout"]["test_command"] == ["nginx", "-t"]


def test_a_changed_file_keeps_a_backup_of_what_it_replaced(module_runner, host):
    apply(module_runner, host)
    result = apply(module_runner, host, content="# new\n" + CONFIG)
    backup = result["files"][0]["backup_file"]
    assert result["changed"] is True and result["reload_needed"] is True
    assert open(backup).read() == CONFIG and result["diff"]["before"] == CONFIG


def test_check_mode_writes_nothing_and_reports_the_change(module_runner, host):
    result = apply(module_runner, host, check_mode=True)
    assert result["changed"] is True and result["reload_needed"] is True
    assert os.listdir(str(host["config_dir"])) == []


def test_an_endpoint_serving_another_certificate_needs_a_reload(module_runner, host):
    apply(module_runner, host)
    shutil.copy(host["certificates"]["new"], os.path.join(host["certificate_dir"], "current", "cert.pem"))
    result = apply(module_runner, host)
    endpoint = result["endpoints"][0]
    assert result["changed"] is False and result["reload_needed"] is True
    assert endpoint["deployed"] is True and endpoint["serving"] is False and endpoint["served"]["subject"] == "CN=" + NAME
    assert "not the deployed certificate" in endpoint["error"]


def test_an_endpoint_without_its_certificate_is_reported_not_deployed(module_runner, host):
    os.remove(os.path.join(host["certificate_dir"], "current", "cert.pem"))
    endpoint = apply(module_runner, host)["endpoints"][0]
    assert endpoint["deployed"] is False and endpoint["serving"] is False and "cert.pem" in endpoint["error"]


def test_the_file_is_linked_into_the_enabled_directory(module_runner, host, tmp_path):
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    first = apply(module_runner, host, enabled_dir=str(enabled))
    link = enabled / "certfleet.conf"
    assert os.readlink(str(link)) == "../conf.d/certfleet.conf" and link.read_text() == CONFIG
    assert first["files"][1] == dict(path=str(link), changed=True, backup_file=None)
    assert apply(module_runner, host, enabled_dir=str(enabled))["changed"] is False


def test_a_file_in_the_place_of_the_link_is_left_alone_and_named(module_runner, host, tmp_path):
    enabled = tmp_path / "sites-enabled"
    enabled.mkdir()
    (enabled / "certfleet.conf").write_text("mine\n")
    result = apply(module_runner, host, enabled_dir=str(enabled))
    assert result["failed"] is True and str(enabled / "certfleet.conf") in result["msg"]
    assert (enabled / "certfleet.conf").read_text() == "mine\n"


@pytest.mark.parametrize("file_name", ["../passwd", "a/b.conf", "..", "", "a\nb.conf", "a;b.conf", "a{b}.conf"])
def test_a_file_name_that_is_a_path_is_refused(module_runner, host, file_name):
    result = apply(module_runner, host, file_name=file_name)
    assert result["failed"] is True and "file_name" in result["msg"]
    assert os.listdir(str(host["config_dir"])) == []


@pytest.mark.parametrize("value", ["/etc/nginx/../x", "/etc/nginx\nconf.d", "/etc/nginx;conf.d", "/etc/{nginx}", "conf.d"])
@pytest.mark.parametrize("field", ["config_dir", "enabled_dir"])
def test_a_directory_that_is_not_a_plain_absolute_path_is_refused_naming_the_field(module_runner, host, field, value):
    result = apply(module_runner, host, **{field: value})
    assert result["failed"] is True and result["msg"].startswith("%s %r" % (field, value))
    assert os.listdir(str(host["config_dir"])) == []
