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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit
from ansible_collections.certfleet.pki.plugins.module_utils._tls_server_config import (
    TLS_SERVER_CONFIG_OPTIONS, configure_tls_server,
)


def main():
    module = AnsibleModule(argument_spec=TLS_SERVER_CONFIG_OPTIONS, add_file_common_args=True, supports_check_mode=True)
    require_libraries(module, "cryptography")
    run_and_exit(module, lambda m: configure_tls_server(m, m.params))


if __name__ == "__main__":
    main()
