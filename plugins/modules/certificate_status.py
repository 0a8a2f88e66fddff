#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: certificate_status
short_description: Check every declared certificate of a host in one call, and say which need renewal
version_added: 0.1.0
description:
  - Reads the certificates installed by M(certfleet.pki.certificate_deploy) under
    O(base_path) and compares each with its declaration, in one module run for the whole
    list (a run with nothing due costs one module execution per host).
  - For each certificate it checks that it is present and parses, that the key matches it,
    that common name, subject alternative names and key type match the declaration, that it
    was issued by the configured CA certificate, and how much of its lifetime is left.
  - C(needs_renewal) comes with the reasons. The renewal point is moved earlier by a
    deterministic per-host jitter (derived from O(host) and the certificate name, at most
    O(jitter) of the renewal window) so a fleet does not renew in the same minute.
  - Reads only, except that with O(staging_path) or O(certificates[].staging_dir) it
    removes staged keys that an interrupted run left behind (older than O(staging_max_age)); never prints key material.
options:
  certificates:
    description: The declared certificates.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Certificate name.
        type: str
        required: true
      path:
        description:
          - Directory of this certificate's versions (as M(certfleet.pki.certificate_deploy)
            writes them). Defaults to C(<base_path>/<name>).
        type: path
      staging_dir:
        description:
          - Directory where this certificate's new keys are staged before they are installed.
            Files in it older than O(staging_max_age) were left by an interrupted run and are
            removed. Defaults to C(<staging_path>/<name>) when O(staging_path) is set.
        type: path
      common_name:
        description: Expected common name.
        type: str
        required: true
      subject_alt_names:
        description: Expected subject alternative names (C(DNS:...), C(IP:...)); compared as a set.
        type: list
        elements: str
        default: []
      key:
        description: "Expected key, C({type: ec, curve: secp256r1}) or C({type: rsa, size: 3072})."
        type: dict
        default: {type: ec, curve: secp256r1}
      renew_before:
        description: Renewal window, C(30d) or C(33%).
        type: str
        default: "33%"
      ca_certificate:
        description: The issuing CA certificate (PEM content or a path on the host); the certificate must be issued by it.
        type: str
      profile:
        description:
          - The declared certificate profile. A certificate of another profile (other key usages
            or extended key usages) is due. Not compared when not set (an ACM PCA template decides).
        type: str
        choices: [server, client, server_client, code_signing]
      validity_days:
        description:
          - The declared validity. A certificate that lives longer (by more than a day) is due; a
            shorter one, clamped to its CA's end, is kept. Not compared when not set.
        type: int
      force:
        description:
          - Report this certificate as needing renewal whatever its state, and return the
            installed certificates of its key (RV(certificates[].certificates_of_key)), so that a
            revocation of what is replaced checks each against its CA and the declaration, never
            trusting a serial.
        type: bool
        default: false
      source_decides:
        description:
          - The certificate comes with its key from a source (an ACM private certificate, a
            Secrets Manager secret) that decides when there is a new one. It is reported
            (RV(certificates[].serial), RV(certificates[].origin)) but never due here.
        type: bool
        default: false
  base_path:
    description: Directory holding one directory per certificate, for certificates without O(certificates[].path).
    type: path
    default: /etc/certfleet/certs
  host:
    description: Name that seeds the jitter, normally C(inventory_hostname).
    type: str
    required: true
  jitter:
    description: Largest share of the renewal window by which the renewal point is moved earlier (0 disables).
    type: float
    default: 0.2
  staging_path:
    description:
      - Directory where the certificate role stages new keys (C(<staging_path>/<name>/)).
        Staged keys of the declared certificates older than O(staging_max_age) are left by a
        run that was interrupted before it installed them, and are removed.
    type: path
  staging_max_age:
    description:
      - Seconds after which a staged key is taken as left behind. Longer than any run keeps a
        key staged (from key generation to install), so a run going on at the same time keeps
        its key.
    type: int
    default: 3600
attributes:
  check_mode:
    support: full
    description: Reads only; staged keys that would be removed are reported in RV(removed_staged_keys).
  diff_mode:
    support: none
    description: Reads only.
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: What is due on this host
  certfleet.pki.certificate_status:
    host: "{{ inventory_hostname }}"
    certificates:
      - name: web
        common_name: "{{ inventory_hostname }}"
        subject_alt_names: ["DNS:{{ inventory_hostname }}", "DNS:www.example.internal"]
        key: {type: ec, curve: secp256r1}
        renew_before: 33%
        ca_certificate: /usr/local/share/ca-certificates/example-root-0da41e7659bcb2ce.crt
  register: status
'''

RETURN = r'''
removed_staged_keys:
  description: Staged keys left behind by an interrupted run, removed (or, in check mode, to remove).
  returned: always
  type: list
  elements: str
certificates:
  description: One entry per declared certificate, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Certificate name.
      type: str
    present:
      description: Whether a certificate is installed.
      type: bool
    needs_renewal:
      description: Whether a new certificate is needed.
      type: bool
    reasons:
      description: Why (empty when not needed).
      type: list
      elements: str
    serial:
      description: Serial of the installed certificate, hex.
      type: str
    certificates_of_key:
      description:
        - For a certificate with O(certificates[].force) only, the installed certificate and every
          other version in its store certified for the same key (PEM, current first). A revocation
          revokes each of them, once it has checked it against its CA and the declaration.
      type: list
      elements: str
      returned: when forced and installed
    issuer:
      description: Issuer of the installed certificate (RFC 4514), as the certificate names it.
      type: str
    not_after:
      description: Its expiry, ISO 8601 UTC.
      type: str
    lifetime_left:
      description: Share of its lifetime left, 0 to 1.
      type: float
    renew_at:
      description: When it becomes due, jitter included, ISO 8601 UTC.
      type: str
    origin:
      description:
        - With O(certificates[].source_decides), where the installed certificate came from, as certificate_deploy
          recorded it (a Secrets Manager version id).
        - Null when not recorded, and for the other certificates.
      type: str
due:
  description: Names of the certificates that need renewal.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_status import STATUS_OPTIONS, certificate_status
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import run_and_exit


def main():
    module = AnsibleModule(argument_spec=STATUS_OPTIONS, supports_check_mode=True)
    require_libraries(module, "cryptography")
    run_and_exit(module, lambda m: certificate_status(m, m.params))


if __name__ == "__main__":
    main()
