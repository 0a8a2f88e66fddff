import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.filter.tls_profile import tls_profile
from ansible_collections.certfleet.pki.plugins.filter.tls_sites import tls_reloads, tls_servers, tls_sites


def test_defaults_fill_every_key():
    (site,) = tls_sites([{"name": "web", "certificate": "web"}], "host-1")
    assert site["server_names"] == ["host-1"] and site["port"] == 443 and site["listen_address"] == ""
    assert site["client_auth"] is None and site["redirect_http"] is False and site["hsts"] is False
    assert site["paths"]["fullchain"] == "/etc/certfleet/certs/web/current/fullchain.pem"
    assert site["paths"]["key"] == "/etc/certfleet/certs/web/current/key.pem"
    assert site["endpoint"] == {"address": "127.0.0.1", "port": 443, "server_name": "host-1",
                                "certificate_dir": "/etc/certfleet/certs/web", "ca_file": ""}


def test_endpoint_follows_listen_and_probe_addresses():
    sites = tls_sites([{"name": "a", "certificate": "c", "listen_address": "10.0.0.5", "port": 8443,
                        "server_names": "www.example.internal"},
                       {"name": "b", "certificate": "c", "listen_address": "10.0.0.5", "probe_address": "127.0.0.1"}],
                      "h", "/srv/certs/", "/etc/ssl/root.pem")
    assert sites[0]["endpoint"] == {"address": "10.0.0.5", "port": 8443, "server_name": "www.example.internal",
                                    "certificate_dir": "/srv/certs/c", "ca_file": "/etc/ssl/root.pem"}
    assert sites[1]["endpoint"]["address"] == "127.0.0.1"


def test_client_auth_defaults_and_checks():
    (site,) = tls_sites([{"name": "m", "certificate": "c", "client_auth": {"ca_file": "/ca.pem"}}], "h")
    assert site["client_auth"] == {"verify": "required", "ca_file": "/ca.pem", "depth": 2, "crl": None}


@pytest.mark.parametrize("sites, message", [
    ([{"certificate": "c"}], "TLS site #1: name is required"),
    ([{"name": "web"}], "TLS site 'web': certificate is required"),
    ([{"name": "web", "certificate": "c", "listen": "x"}], "TLS site 'web': unknown keys listen"),
    ([{"name": "web", "certificate": "c", "port": 70000}], "port 70000 must be a whole number from 1 to 65535"),
    ([{"name": "web", "certificate": "c", "client_auth": {"verify": "on", "ca_file": "/c"}}],
     "client_auth.verify must be required or optional, not 'on'"),
    ([{"name": "web", "certificate": "c", "client_auth": {"verify": "optional"}}], "client_auth needs ca_file"),
    ([{"name": "web", "certificate": "c"}, {"name": "web", "certificate": "d"}], "repeated: web"),
    ("web", "TLS sites must be a list"),
])
def test_bad_declarations_name_the_site_and_the_problem(sites, message):
    with pytest.raises(AnsibleFilterError, match=message):
        tls_sites(sites, "h")


def test_profiles():
    assert tls_profile("modern") == {"name": "modern", "protocols": ["TLSv1.3"], "ciphers": [],
                                     "curves": ["X25519", "prime256v1", "secp384r1"]}
    intermediate = tls_profile("intermediate")
    assert intermediate["protocols"] == ["TLSv1.2", "TLSv1.3"]
    assert all("GCM" in cipher or "CHACHA20" in cipher for cipher in intermediate["ciphers"])
    assert intermediate["curves"] == ["X25519", "prime256v1", "secp384r1"]
    with pytest.raises(AnsibleFilterError, match="unknown TLS profile 'old': choose one of intermediate, modern"):
        tls_profile("old")


def test_certificate_paths_of_a_directory_and_a_refused_one():
    from ansible_collections.certfleet.pki.plugins.filter.certificate_paths import certificate_paths
    assert certificate_paths("/srv/certs/web")["key"] == "/srv/certs/web/current/key.pem"
    with pytest.raises(AnsibleFilterError, match="certificate directory 'certs/web' must be an absolute path"):
        certificate_paths("certs/web")


SITES = {"nginx": [{"name": "mtls", "certificate": "c",
                   "client_auth": {"ca_file": "/ca.pem", "crl": "/etc/certfleet/crl/hsm.pem"}}],
         "apache": [{"name": "www", "certificate": "c", "hsts": True}]}


def test_each_server_with_sites_gets_its_options_in_a_fixed_order():
    nginx, apache = tls_servers(dict(apache=SITES["apache"], nginx=SITES["nginx"]), "h", "/srv/certs",
                                config_dirs=dict(nginx="", apache="/etc/httpd/conf.d"))
    assert nginx["server"] == "nginx" and "config_dir" not in nginx["options"] and nginx["options"]["modules"] == []
    assert apache["options"]["config_dir"] == "/etc/httpd/conf.d" and apache["options"]["modules"] == ["ssl", "headers"]
    assert apache["options"]["endpoints"] == [apache["sites"][0]["endpoint"]] and apache["options"]["mode"] == "0644"
    assert tls_servers(dict(nginx=[], apache=SITES["apache"]), "h")[0]["server"] == "apache"


def test_a_server_reloads_when_its_sites_changed_or_a_crl_its_sites_read_changed():
    servers = tls_servers(SITES, "h")
    quiet = [dict(__certfleet_server=servers[0], reload_needed=False), dict(__certfleet_server=servers[1], reload_needed=False)]
    crl_changed = [dict(dest="/etc/certfleet/crl/hsm.pem", changed=True), dict(dest="/etc/certfleet/crl/x.pem", changed=True)]
    assert tls_reloads(servers, quiet, [], []) == []
    (due,) = tls_reloads(servers, quiet, [], crl_changed)
    assert due["server"] == "nginx" and due["crl_results"] == [crl_changed[0]]
    (due,) = tls_reloads(servers, [dict(quiet[0]), dict(quiet[1], reload_needed=True)], [],
                         [dict(crl_changed[0], changed=False)])
    assert due["server"] == "apache" and due["crl_results"] == []
    # A server whose round was skipped and that was not observed has nothing to judge: never reloaded.
    assert tls_reloads(servers, [dict(__certfleet_server=servers[0], skipped=True)], [], crl_changed) == []


def test_a_server_skipped_because_its_observation_needs_nothing_is_judged_by_that_observation():
    servers = tls_servers(SITES, "h")
    skipped = [dict(__certfleet_server=server, skipped=True) for server in servers]
    observed = [dict(server="nginx", reload_needed=False, layout={}), dict(server="apache", reload_needed=False, layout={})]
    assert tls_reloads(servers, skipped, observed, []) == []
    (due,) = tls_reloads(servers, skipped, observed, [dict(dest="/etc/certfleet/crl/hsm.pem", changed=True)])
    assert due["server"] == "nginx" and due["layout"] == {}
    # What ran in this run wins over the observation taken before it.
    (due,) = tls_reloads(servers, [skipped[0], dict(__certfleet_server=servers[1], reload_needed=True)], observed, [])
    assert due["server"] == "apache" and due["reload_needed"] is True
