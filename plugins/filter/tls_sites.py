# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS site declarations of the nginx_tls and apache_tls roles, checked and completed with
their defaults in one place, so both servers read them the same way."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

SITE_KEYS = {"name", "certificate", "server_names", "listen_address", "port", "probe_address",
             "redirect_http", "hsts", "client_auth", "directives"}
CLIENT_AUTH_KEYS = {"verify", "ca_file", "depth", "crl"}
CLIENT_VERIFY = ("required", "optional")


def _fail(index, site, problem):
    name = site.get("name") if isinstance(site, dict) else None
    raise AnsibleFilterError("TLS site %s: %s" % (repr(name) if name else "#%d" % (index + 1), problem))


def _client_auth(index, site):
    client_auth = site.get("client_auth")
    if not client_auth:
        return None
    if not isinstance(client_auth, dict):
        _fail(index, site, "client_auth must be a dict with verify, ca_file, depth, crl")
    unknown = set(client_auth) - CLIENT_AUTH_KEYS
    if unknown:
        _fail(index, site, "unknown client_auth keys %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(CLIENT_AUTH_KEYS))))
    verify = client_auth.get("verify", "required")
    if verify not in CLIENT_VERIFY:
        _fail(index, site, "client_auth.verify must be required or optional, not %r" % (verify,))
    if not client_auth.get("ca_file"):
        _fail(index, site, "client_auth needs ca_file, the CAs whose client certificates are accepted")
    return {"verify": verify, "ca_file": client_auth["ca_file"], "depth": int(client_auth.get("depth", 2)),
            "crl": client_auth.get("crl")}


def _site(index, site, default_server_name, certificates_dir, trust_anchor):
    if not isinstance(site, dict):
        raise AnsibleFilterError("TLS site #%d must be a dict, got %r" % (index + 1, site))
    unknown = set(site) - SITE_KEYS
    if unknown:
        _fail(index, site, "unknown keys %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(SITE_KEYS))))
    for required in ("name", "certificate"):
        if not isinstance(site.get(required), string_types) or not site[required]:
            _fail(index, site, "%s is required" % required)
    server_names = site.get("server_names") or [default_server_name]
    if isinstance(server_names, string_types):
        server_names = [server_names]
    port = int(site.get("port", 443))
    if not 0 < port < 65536:
        _fail(index, site, "port %d is out of range" % port)
    listen_address = site.get("listen_address") or ""
    certificate_dir = "%s/%s" % (certificates_dir.rstrip("/"), site["certificate"])
    return {
        "name": site["name"],
        "certificate": site["certificate"],
        "server_names": list(server_names),
        "listen_address": listen_address,
        "port": port,
        "redirect_http": bool(site.get("redirect_http", False)),
        "hsts": bool(site.get("hsts", False)),
        "client_auth": _client_auth(index, site),
        "directives": site.get("directives"),
        # Where the server reads the certificate: the version certificate_deploy made current.
        "files": certificate_dir + "/current",
        # What safe_reload checks from the host after a reload.
        "endpoint": {
            # The listen address, or loopback when the site listens on all addresses.
            "address": site.get("probe_address") or listen_address or "127.0.0.1",
            "port": port,
            "server_name": server_names[0],
            "certificate_dir": certificate_dir,
            "ca_file": trust_anchor or "",
        },
    }


def tls_sites(sites, default_server_name, certificates_dir="/etc/certfleet/certs", trust_anchor=""):
    if not isinstance(sites, list):
        raise AnsibleFilterError("TLS sites must be a list, got %r" % (sites,))
    normalized = [_site(index, site, default_server_name, certificates_dir, trust_anchor)
                  for index, site in enumerate(sites)]
    names = [site["name"] for site in normalized]
    duplicates = sorted(set(name for name in names if names.count(name) > 1))
    if duplicates:
        raise AnsibleFilterError("TLS site names must be unique; repeated: %s" % ", ".join(duplicates))
    return normalized


class FilterModule(object):
    def filters(self):
        return {"tls_sites": tls_sites}
