#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: tls_server_config
short_description: A TLS server's site file, its enabling link and what each of its endpoints serves, in one run on the host
version_added: 0.2.0
description:
  - Writes O(content) to O(file_name) in the server's configuration directory when it differs
    (atomically, keeping a backup of the file it replaces), links it into the enabled
    directory where the layout has one (Debian's Apache C(sites-enabled)), reports which of
    O(modules) Apache does not load yet, and probes every O(endpoints) entry for the
    certificate it serves. One module run per host, so that a run where nothing changed
    costs one remote call for all of a host's sites.
  - The layout (directories, service, configuration test, how modules are enabled) is read on
    the host - nginx reads C(conf.d); Apache is C(/etc/apache2) on Debian and C(/etc/httpd) on
    RedHat - and returned as RV(layout), so the roles need no fact gathering.
  - Does not test or reload the server; the web_tls role hands the result to
    certfleet.pki.safe_reload, which does, and which puts RV(files) back from their backups
    when the reload fails.
options:
  server:
    description: The server whose layout to use.
    type: str
    choices: [nginx, apache]
    required: true
  content:
    description: The configuration file's content (rendered on the controller).
    type: str
    required: true
  file_name:
    description: The file's name in the configuration directory.
    type: str
    default: certfleet.conf
  config_dir:
    description: Configuration directory; the layout's when not set (C(/etc/nginx/conf.d), C(/etc/apache2/sites-available), C(/etc/httpd/conf.d)).
    type: path
  enabled_dir:
    description: Directory the file is linked into; the layout's when not set (Debian's Apache C(/etc/apache2/sites-enabled)). Empty for none.
    type: path
  modules:
    description: Apache modules the configuration needs (C(ssl), C(headers)); reported in RV(missing_modules) when not loaded.
    type: list
    elements: str
    default: []
  endpoints:
    description: The TLS endpoints the file configures, each probed for the certificate it serves.
    type: list
    elements: dict
    default: []
    suboptions:
      address:
        description: Address to connect to.
        type: str
        required: true
      port:
        description: TCP port.
        type: int
        default: 443
      server_name:
        description: Name sent as SNI.
        type: str
        required: true
      certificate_dir:
        description: >-
          The certificate's directory (certfleet.pki.certificate_deploy O(certfleet.pki.certificate_deploy#module:path));
          its C(current) certificate should be served.
        type: path
        required: true
      ca_file:
        description: >-
          Trust anchors the chain must verify against in the check after a reload (certfleet.pki.safe_reload);
          returned as given, this probe compares certificates only.
        type: str
        default: ""
  timeout:
    description: Seconds allowed for each endpoint's connection.
    type: float
    default: 3
  backup:
    description: Keep a copy of the file this run replaces (its path is in RV(files)).
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Writes nothing; reports what would change and probes the endpoints.
  diff_mode:
    support: full
    description: The configuration file before and after.
requirements:
  - cryptography >= 3.4
seealso:
  - module: certfleet.pki.served_certificate
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Sites file, link and probes of an Apache host, in one run
  certfleet.pki.tls_server_config:
    server: apache
    content: "{{ lookup('ansible.builtin.template', 'sites.conf.j2') }}"
    modules: [ssl, headers]
    mode: "0644"
    endpoints:
      - address: 10.0.0.5
        port: 443
        server_name: www.example.internal
        certificate_dir: /etc/certfleet/certs/web
  register: sites

- name: Reload only when something changed or an endpoint serves something else
  ansible.builtin.include_role:
    name: certfleet.pki.safe_reload
  when: sites.reload_needed
'''

RETURN = r'''
layout:
  description: The server's layout on this host.
  returned: always
  type: dict
  sample:
    os_family: Debian
    service: apache2
    test_command: [apache2ctl, configtest]
    config_dir: /etc/apache2/sites-available
    enabled_dir: /etc/apache2/sites-enabled
    module_command: a2enmod
    ssl_package: ""
files:
  description: The configuration file and the link, each with whether this run changed it and the backup of what it replaced (null when it was new).
  returned: always
  type: list
  elements: dict
  sample: [{path: /etc/nginx/conf.d/certfleet.conf, changed: true, backup_file: /etc/nginx/conf.d/certfleet.conf.1234.2026-11-29@08:00:00~}]
missing_modules:
  description: Entries of O(modules) Apache does not load yet.
  returned: always
  type: list
  elements: str
endpoints:
  description: >-
    Each O(endpoints) entry with what it serves - C(deployed) (its certificate is installed),
    C(serving) (it serves that certificate), C(served) (subject, serial, fingerprint, expiry;
    null without a handshake) and C(error) (why it is not serving).
  returned: always
  type: list
  elements: dict
reload_needed:
  description: A file changed, a module is missing, or an endpoint does not serve its installed certificate.
  returned: always
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._names import DeclarationError, config_path, safe_name
from ansible_collections.certfleet.pki.plugins.module_utils._store import certificate_paths
from ansible_collections.certfleet.pki.plugins.module_utils._tls_probe import describe_certificate, probe_endpoint
from ansible_collections.certfleet.pki.plugins.module_utils._web_servers import (
    LayoutError, missing_apache_modules, server_layout,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import InputError, load_certificate


def write_config(module, path, content):
    """The file entry of RV(files) for the configuration file, written when it differs."""
    before = read_text(path)
    entry = dict(path=path, changed=before != content, backup_file=None)
    if entry["changed"] and not module.check_mode:
        if before is not None and module.params["backup"]:
            entry["backup_file"] = module.backup_local(path)
        write_atomically(module, path, content, mode=0o644)
    file_args = module.load_file_common_arguments(module.params, path=path)
    if os.path.exists(path):
        entry["changed"] = module.set_fs_attributes_if_different(file_args, entry["changed"])
    return entry, before


def link_config(module, link, target):
    """The file entry of RV(files) for the link into the enabled directory."""
    relative = os.path.relpath(target, os.path.dirname(link))
    current = os.readlink(link) if os.path.islink(link) else None
    entry = dict(path=link, changed=current != relative, backup_file=None)
    if entry["changed"] and not module.check_mode:
        if os.path.lexists(link) and current is None:
            module.fail_json(msg="%s exists and is not a link; move it away so the sites file can be enabled" % link)
        temporary = "%s.certfleet-%d" % (link, os.getpid())
        os.symlink(relative, temporary)
        os.rename(temporary, link)  # replaces a link pointing elsewhere in one step
    return entry


def probe(endpoint, timeout):
    """The endpoint with what it serves."""
    certificate = certificate_paths(endpoint["certificate_dir"])["certificate"]
    try:
        expected = describe_certificate(load_certificate(certificate, certificate))
    except InputError as error:
        return dict(endpoint, deployed=False, serving=False, served=None, error=str(error))
    address = (endpoint["address"], endpoint["port"], endpoint["server_name"], timeout)
    result = probe_endpoint(address, expected)
    return dict(endpoint, deployed=True, serving=result["serving"], served=result["served"], error=result["error"])


def main():
    module = AnsibleModule(
        argument_spec=dict(
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
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    params = module.params
    try:  # every value that becomes a path, checked before anything is written
        safe_name(params["file_name"], "file_name")
        for field in ("config_dir", "enabled_dir"):
            if params[field]:
                config_path(params[field], field)
        layout = server_layout(params["server"])
    except (DeclarationError, LayoutError) as error:
        module.fail_json(msg=str(error))
    config_dir = params["config_dir"] or layout["config_dir"]
    enabled_dir = layout["enabled_dir"] if params["enabled_dir"] is None else params["enabled_dir"]
    layout = dict(layout, config_dir=config_dir, enabled_dir=enabled_dir)

    sites_file = os.path.join(config_dir, params["file_name"])
    config, before = write_config(module, sites_file, params["content"])
    files = [config]
    if enabled_dir:
        files.append(link_config(module, os.path.join(enabled_dir, params["file_name"]), sites_file))
    missing = missing_apache_modules(layout, params["modules"]) if params["server"] == "apache" else []
    endpoints = [probe(endpoint, params["timeout"]) for endpoint in params["endpoints"]]

    changed = any(entry["changed"] for entry in files)
    result = dict(changed=changed, layout=layout, files=files, missing_modules=missing, endpoints=endpoints,
                  reload_needed=changed or bool(missing) or not all(endpoint["serving"] for endpoint in endpoints))
    if module._diff and config["changed"]:  # pylint: disable=protected-access
        result["diff"] = dict(before_header=sites_file, after_header=sites_file,
                              before=before or "", after=params["content"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
