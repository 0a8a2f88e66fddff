# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS site declarations of the web_tls role (nginx_tls, apache_tls), checked and completed with
their defaults in one place, so both servers read them the same way."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.six import string_types

from ansible_collections.certfleet.pki.plugins.module_utils._names import (
    DeclarationError,
    config_path,
    dns_name,
    ip_address,
    safe_name,
    whole_number,
)
from ansible_collections.certfleet.pki.plugins.module_utils._store import certificate_dir, certificate_paths
from ansible_collections.certfleet.pki.plugins.plugin_utils._redaction import redacted

SITE_KEYS = {"name", "certificate", "server_names", "listen_address", "port", "probe_address",
             "redirect_http", "hsts", "client_auth", "directives"}
CLIENT_AUTH_KEYS = {"verify", "ca_file", "depth", "crl"}
CLIENT_VERIFY = ("required", "optional")


def _fail(index, site, problem):
    name = site.get("name") if isinstance(site, dict) else None
    raise AnsibleFilterError("TLS site %s: %s" % (repr(name) if name else "#%d" % (index + 1), problem))


def _checked(index, site, check, value, field):
    """``check(value, field)``, or the site's error naming the field and the value."""
    try:
        return check(value, field)
    except DeclarationError as error:
        _fail(index, site, str(error))


def _listen_forms(address, port):
    """How nginx and Apache spell a listen address and port: IPv6 in brackets."""
    if not address:
        return {"nginx": str(port), "apache_listen": str(port), "apache_vhost": "*:%d" % port}
    host = "[%s]" % address if address.version == 6 else str(address)
    return {"nginx": "%s:%d" % (host, port), "apache_listen": "%s:%d" % (host, port),
            "apache_vhost": "%s:%d" % (host, port)}


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
    ca_file = _checked(index, site, config_path, client_auth["ca_file"], "client_auth.ca_file")
    crl = _checked(index, site, config_path, client_auth["crl"], "client_auth.crl") if client_auth.get("crl") else None
    depth = _checked(index, site, lambda value, field: whole_number(value, field, 1, 99), client_auth.get("depth", 2),
                     "client_auth.depth")
    return {"verify": verify, "ca_file": ca_file, "depth": depth, "crl": crl}


def _site(index, site, default_server_name, certificates_dir, trust_anchor):
    if not isinstance(site, dict):
        raise AnsibleFilterError("TLS site #%d must be a dict, got %r" % (index + 1, redacted(site)))
    unknown = set(site) - SITE_KEYS
    if unknown:
        _fail(index, site, "unknown keys %s (known: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(SITE_KEYS))))
    for required in ("name", "certificate"):
        if not isinstance(site.get(required), string_types) or not site[required]:
            _fail(index, site, "%s is required" % required)
        _checked(index, site, safe_name, site[required], required)
    server_names = site.get("server_names") or [default_server_name]
    if isinstance(server_names, string_types):
        server_names = [server_names]
    server_names = [_checked(index, site, lambda value, field: dns_name(value, field, wildcard=True), name,
                             "server_names entry") for name in server_names]
    port = _checked(index, site, lambda value, field: whole_number(value, field, 1, 65535), site.get("port", 443), "port")
    address = _checked(index, site, ip_address, site["listen_address"], "listen_address") \
        if site.get("listen_address") else None
    listen_address = str(address) if address else ""
    probe_address = str(_checked(index, site, ip_address, site["probe_address"], "probe_address")) \
        if site.get("probe_address") else ""
    directives = site.get("directives")
    if directives is not None and (not isinstance(directives, list)
                                   or not all(isinstance(d, string_types) and "\n" not in d for d in directives)):
        _fail(index, site, "directives must be a list of one-line strings")
    paths = certificate_paths(certificate_dir(site["certificate"], certificates_dir))
    return {
        "name": site["name"],
        "certificate": site["certificate"],
        "server_names": list(server_names),
        "listen_address": listen_address,
        "listen": _listen_forms(address, port),
        "port": port,
        "redirect_http": bool(site.get("redirect_http", False)),
        "hsts": bool(site.get("hsts", False)),
        "client_auth": _client_auth(index, site),
        "directives": directives,
        # Where the server reads the certificate: the version certificate_deploy made current.
        "paths": paths,
        # What safe_reload checks from the host after a reload.
        "endpoint": {
            # The listen address, or loopback when the site listens on all addresses.
            "address": probe_address or listen_address or "127.0.0.1",
            "port": port,
            "server_name": server_names[0],
            "certificate_dir": paths["dir"],
            "ca_file": trust_anchor or "",
        },
    }


def tls_sites(sites, default_server_name, certificates_dir=None, trust_anchor=""):
    if not isinstance(sites, list):
        raise AnsibleFilterError("TLS sites must be a list, got %r" % (redacted(sites),))
    try:
        if certificates_dir:
            config_path(certificates_dir, "certfleet_certificates_dir")
        if trust_anchor:
            config_path(trust_anchor, "certfleet_tls_trust_anchor")
    except DeclarationError as error:
        raise AnsibleFilterError(str(error))
    normalized = [_site(index, site, default_server_name, certificates_dir, trust_anchor)
                  for index, site in enumerate(sites)]
    names = [site["name"] for site in normalized]
    duplicates = sorted(set(name for name in names if names.count(name) > 1))
    if duplicates:
        raise AnsibleFilterError("TLS site names must be unique; repeated: %s" % ", ".join(duplicates))
    return normalized


def tls_listens(sites, default_ports=(443,)):
    """Apache's Listen directives for ``sites``: one per address and port, none for the ports
    the stock configuration already listens on, so two sites may share a port."""
    listens = []
    for site in sites:
        if site["port"] not in default_ports and site["listen"]["apache_listen"] not in listens:
            listens.append(site["listen"]["apache_listen"])
    return listens


# The servers web_tls configures, in the order it configures them.
SERVERS = ("nginx", "apache")


def tls_servers(sites_by_server, default_server_name, certificates_dir=None, trust_anchor="", config_dirs=None):
    """Each server with declared sites (nginx, then apache): its checked sites, which the role's
    template renders into the sites file, and the other options of its tls_server_config run
    (read by the role's task and by the host's observation alike)."""
    servers = []
    for server in SERVERS:
        declared = (sites_by_server or {}).get(server) or []
        if not declared:
            continue
        sites = tls_sites(declared, default_server_name, certificates_dir, trust_anchor)
        modules = (["ssl"] + (["headers"] if any(site["hsts"] for site in sites) else [])) if server == "apache" else []
        options = dict(server=server, mode="0644", modules=modules, endpoints=[site["endpoint"] for site in sites])
        config_dir = (config_dirs or {}).get(server)
        if config_dir:
            options["config_dir"] = config_dir
        servers.append(dict(server=server, sites=sites, options=options))
    return servers


def tls_reloads(servers, results, observed, crl_files):
    """The servers web_tls reloads, each as its tls_server_config answer (from this run's
    ``results``, else from the host's ``observed`` servers) with ``server`` and ``crl_results``:
    those that need a reload (a sites file changed, or an endpoint does not serve its
    certificate), and those whose sites read a CRL the crl role changed in this run, so that a
    failed reload puts the previous CRL back."""
    ran = dict((result["__certfleet_server"]["server"], result) for result in results or []
               if "reload_needed" in result)
    seen = dict((entry["server"], entry) for entry in observed or [])
    changed_crls = [entry for entry in crl_files or [] if entry.get("changed")]
    due = []
    for server in servers:
        answer = ran.get(server["server"]) or seen.get(server["server"])
        if answer is None:
            continue
        crls = [site["client_auth"]["crl"] for site in server["sites"] if site["client_auth"] and site["client_auth"]["crl"]]
        crl_results = [entry for entry in changed_crls if entry.get("dest") in crls]
        if answer["reload_needed"] or crl_results:
            due.append(dict(answer, server=server["server"], crl_results=crl_results))
    return due


class FilterModule(object):
    def filters(self):
        return {"tls_sites": tls_sites, "tls_listens": tls_listens, "tls_servers": tls_servers, "tls_reloads": tls_reloads}
