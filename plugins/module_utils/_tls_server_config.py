# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One TLS server's sites file, its link, its Apache modules and what each endpoint serves:
what certfleet.pki.tls_server_config writes, and what certfleet.pki.host_observation reads
(the same function, with the module in check mode)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._names import config_path, safe_name
from ansible_collections.certfleet.pki.plugins.module_utils._store import certificate_paths
from ansible_collections.certfleet.pki.plugins.module_utils._tls_probe import describe_certificate, probe_endpoint
from ansible_collections.certfleet.pki.plugins.module_utils._web_servers import (
    missing_apache_modules, server_layout,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import InputError, load_certificate

TLS_SERVER_CONFIG_OPTIONS = dict(
    server=dict(type="str", choices=["nginx", "apache"], required=True),
    content=dict(type="str", required=True),
    file_name=dict(type="str", default="certfleet.conf"),
    config_dir=dict(type="path"),
    enabled_dir=dict(type="path"),
    modules=dict(type="list", elements="str", default=[]),
    endpoints=dict(type="list", elements="dict", default=[], options=dict(
        address=dict(type="str", required=True),
        port=dict(type="int", default=443),
        server_name=dict(type="str", required=True),
        certificate_dir=dict(type="path", required=True),
        ca_file=dict(type="str", default=""),
    )),
    timeout=dict(type="float", default=3),
    backup=dict(type="bool", default=True),
)


def _write_config(module, params, path):
    """The file entry of RV(files) for the configuration file, written when it differs."""
    content = params["content"]
    before = read_text(path)
    entry = dict(path=path, changed=before != content, backup_file=None)
    if entry["changed"] and not module.check_mode:
        if before is not None and params["backup"]:
            entry["backup_file"] = module.backup_local(path)
        write_atomically(module, path, content, mode=0o644)
    file_args = module.load_file_common_arguments(params, path=path)
    if os.path.exists(path):
        entry["changed"] = module.set_fs_attributes_if_different(file_args, entry["changed"])
    return entry, before


def _link_config(module, link, target):
    """The file entry of RV(files) for the link into the enabled directory."""
    relative = os.path.relpath(target, os.path.dirname(link))
    current = os.readlink(link) if os.path.islink(link) else None
    entry = dict(path=link, changed=current != relative, backup_file=None)
    if entry["changed"] and not module.check_mode:
        if os.path.lexists(link) and current is None:
            raise CertfleetError("%s exists and is not a link; move it away so the sites file can be enabled" % link)
        temporary = "%s.certfleet-%d" % (link, os.getpid())
        os.symlink(relative, temporary)
        os.rename(temporary, link)  # replaces a link pointing elsewhere in one step
    return entry


def _probe(endpoint, timeout):
    """The endpoint with what it serves."""
    certificate = certificate_paths(endpoint["certificate_dir"])["certificate"]
    try:
        expected = describe_certificate(load_certificate(certificate, certificate))
    except InputError as error:
        return dict(endpoint, deployed=False, serving=False, served=None, error=str(error))
    address = (endpoint["address"], endpoint["port"], endpoint["server_name"], timeout)
    result = probe_endpoint(address, expected)
    return dict(endpoint, deployed=True, serving=result["serving"], served=result["served"], error=result["error"])


def _layout(params):
    """The server's layout with the configured directories; every value that becomes a path
    checked before anything is written (a DeclarationError or LayoutError names the field)."""
    safe_name(params["file_name"], "file_name")
    for field in ("config_dir", "enabled_dir"):
        if params[field]:
            config_path(params[field], field)
    layout = server_layout(params["server"])
    config_dir = params["config_dir"] or layout["config_dir"]
    enabled_dir = layout["enabled_dir"] if params["enabled_dir"] is None else params["enabled_dir"]
    return dict(layout, config_dir=config_dir, enabled_dir=enabled_dir)


def configure_tls_server(module, params):
    """The tls_server_config result for ``params``; writes only when the module is not in check mode."""
    layout = _layout(params)
    sites_file = os.path.join(layout["config_dir"], params["file_name"])
    config, before = _write_config(module, params, sites_file)
    files = [config]
    if layout["enabled_dir"]:
        files.append(_link_config(module, os.path.join(layout["enabled_dir"], params["file_name"]), sites_file))
    missing = missing_apache_modules(layout, params["modules"]) if params["server"] == "apache" else []
    endpoints = [_probe(endpoint, params["timeout"]) for endpoint in params["endpoints"]]

    changed = any(entry["changed"] for entry in files)
    result = dict(changed=changed, layout=layout, files=files, missing_modules=missing, endpoints=endpoints,
                  reload_needed=changed or bool(missing) or not all(endpoint["serving"] for endpoint in endpoints))
    if module._diff and config["changed"]:  # pylint: disable=protected-access
        result["diff"] = dict(before_header=sites_file, after_header=sites_file,
                              before=before or "", after=params["content"])
    return result
