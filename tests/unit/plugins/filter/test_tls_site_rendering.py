"""What the web_tls role's nginx and Apache templates render from checked site declarations:
IPv6 listen addresses in brackets, one Apache Listen per address and port, and no
declaration that can add configuration of its own."""

import os
import re

import jinja2
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.certfleet.pki.plugins.filter.tls_profile import tls_profile
from ansible_collections.certfleet.pki.plugins.filter.tls_sites import tls_listens, tls_sites

ROLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles")


def render(server, sites):
    # The template module's Jinja settings (trim_blocks on), with the filters the templates use.
    environment = jinja2.Environment(trim_blocks=True, undefined=jinja2.StrictUndefined,
                                     loader=jinja2.FileSystemLoader(os.path.join(ROLES, "web_tls", "templates")))
    environment.filters.update({
        "certfleet.pki.tls_listens": tls_listens,
        "regex_replace": lambda value, pattern, replacement: re.sub(pattern, replacement, value),
    })
    site_list = tls_sites(sites, "host-1.example.internal")
    return environment.get_template(server + ".conf.j2").render(
        ansible_managed="managed", __certfleet_tls=tls_profile("intermediate"), certfleet_tls_session_timeout="1d",
        certfleet_tls_hsts_max_age=63072000, __certfleet_site_list=site_list)


IPV6_SITE = {"name": "v6", "certificate": "web", "listen_address": "2001:db8::5", "port": 443, "redirect_http": True}


@pytest.mark.parametrize("server, directive", [
    ("nginx", "ssl_ecdh_curve X25519:prime256v1:secp384r1;"),
    ("apache", "SSLOpenSSLConfCmd Curves X25519:prime256v1:secp384r1"),
])
def test_both_servers_restrict_key_exchange_to_the_profile_curves(server, directive):
    assert directive in render(server, [{"name": "www", "certificate": "web"}])


def test_nginx_renders_ipv6_listen_addresses_in_brackets():
    text = render("nginx", [IPV6_SITE])
    assert "listen [2001:db8::5]:443 ssl;" in text and "listen [2001:db8::5]:80;" in text


def test_apache_renders_ipv6_listen_addresses_in_brackets():
    text = render("apache", [dict(IPV6_SITE, port=8443)])
    assert "<VirtualHost [2001:db8::5]:8443>" in text and "Listen [2001:db8::5]:8443 https" in text
    assert "<VirtualHost [2001:db8::5]:80>" in text


def test_apache_two_sites_on_one_extra_port_listen_once():
    text = render("apache", [{"name": "a", "certificate": "web", "port": 8443, "server_names": ["a.example.internal"]},
                             {"name": "b", "certificate": "web", "port": 8443, "server_names": ["b.example.internal"]}])
    assert re.findall(r"^Listen .*$", text, re.M) == ["Listen 8443 https"]
    assert text.count("<VirtualHost *:8443>") == 2


# What an attack on a lab fleet used: each made nginx or Apache serve /etc/passwd.
INJECTIONS = [
    ({"server_names": ["y; location /leak/ { alias /etc/; autoindex on; } server_name z"]}, "server_names entry"),
    ({"server_names": ["y\n    Alias /leak /etc\n    <Directory /etc>\n    Require all granted\n    </Directory>"]},
     "server_names entry"),
    ({"listen_address": "127.0.0.1:443 ssl; location / { alias /etc/; }"}, "listen_address"),
    ({"name": "a\nb"}, "name"),
    ({"certificate": "../../tmp/x"}, "certificate '../../tmp/x'"),
    ({"client_auth": {"ca_file": "/etc/ca.pem; alias /etc/"}}, "client_auth.ca_file"),
    ({"client_auth": {"ca_file": "/etc/ca.pem", "crl": "/etc/../etc/passwd"}}, "client_auth.crl"),
    ({"probe_address": "localhost; id"}, "probe_address"),
    ({"port": "443 ssl; alias /etc/"}, "port"),
    ({"directives": ["root /var/www/html;\n    location /leak/ { alias /etc/; }"]}, "directives"),
]


@pytest.mark.parametrize("fields, field", INJECTIONS)
def test_injection_attempts_are_refused_naming_the_field(fields, field):
    with pytest.raises(AnsibleFilterError) as error:
        tls_sites([dict({"name": "www", "certificate": "web"}, **fields)], "host-1.example.internal")
    assert field in str(error.value)
