#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: certificate_report
short_description: Report a host's certificates, what its TLS sites serve and its trust anchors, in one run
version_added: 0.2.0
description:
  - Collects, in one module run per host, what the fleet report of the C(certfleet.pki.report) role shows
    (see docs/report.md).
  - For each declared certificate, whether it is installed, whether its key matches, its serial,
    expiry and renewal point (the same rules and jitter as M(certfleet.pki.certificate_status)),
    key type and whether the key or signature is weak, its subject alternative names against the
    declaration, and the CAs above it (chain file and declared CA certificate) that expire before it.
  - For each declared TLS site, the certificate it serves, whether that is the installed one,
    and whether the served chain verifies for the site's name.
  - Every CA certificate of the host's certfleet trust anchor groups and bundles, and which have expired.
  - Calls no CA and changes no certificate. With O(metrics_path) it writes the same figures as
    a Prometheus textfile (for node_exporter's textfile collector), only when they changed.
extends_documentation_fragment:
  - ansible.builtin.files
options:
  host:
    description: Name that seeds the renewal jitter, normally C(inventory_hostname).
    type: str
    required: true
  jitter:
    description: Largest share of the renewal window by which the renewal point is moved earlier, as the certificate role uses it.
    type: float
    default: 0.2
  base_path:
    description: Directory holding one directory per certificate, for certificates without O(certificates[].path).
    type: path
    default: /etc/certfleet/certs
  certificates:
    description: The declared certificates, as the certificate role plans them.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Certificate name.
        type: str
        required: true
      issuer:
        description: Name of the issuer in C(certfleet_issuers), reported as is.
        type: str
        required: true
      path:
        description: Directory of this certificate's versions. Defaults to C(<base_path>/<name>).
        type: path
      common_name:
        description: Declared common name.
        type: str
        required: true
      subject_alt_names:
        description: Declared subject alternative names (C(DNS:...), C(IP:...)), compared as a set.
        type: list
        elements: str
        default: []
      key:
        description: "Declared key, C({type: ec, curve: secp256r1}) or C({type: rsa, size: 3072})."
        type: dict
        default: {type: ec, curve: secp256r1}
      renew_before:
        description: Renewal window, C(30d) or C(33%).
        type: str
        default: "33%"
      ca_certificate:
        description: The issuing CA certificate (PEM content or a path on the host).
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
      source_decides:
        description: The certificate comes with its key from a source that decides when there is a new one; it has no renewal point.
        type: bool
        default: false
  sites:
    description: The declared TLS sites, one entry per site and server.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Site name.
        type: str
        required: true
      server:
        description: The server that serves it.
        type: str
        choices: [nginx, apache]
        required: true
      certificate:
        description: Name of the certificate the site serves.
        type: str
        required: true
      certificate_dir:
        description: Directory of that certificate's versions.
        type: path
        required: true
      address:
        description: Address to connect to.
        type: str
        required: true
      port:
        description: Port to connect to.
        type: int
        default: 443
      server_name:
        description: Name sent in SNI, and that the chain must verify for.
        type: str
        required: true
      ca_file:
        description: Trust anchors for the chain check; the system trust store when empty.
        type: str
        default: ""
  timeout:
    description: Seconds to wait for each TLS site.
    type: float
    default: 3
  trust_anchors:
    description: Names of the certfleet trust anchor groups (C(certfleet_trust_anchors[].name)) to report.
    type: list
    elements: str
    default: []
  trust_bundles:
    description: Paths of the certfleet application CA bundles (C(certfleet_trust_bundles[].path)) to report.
    type: list
    elements: path
    default: []
  trust_platform:
    description: OS trust store layout of the anchor groups.
    type: str
    choices: [auto, debian, rhel, suse, alpine]
    default: auto
  metrics_path:
    description:
      - Where to write the report as Prometheus metrics (text format), for example
        C(/var/lib/prometheus/node-exporter/certfleet.prom). Not written when unset.
      - Written atomically, and only when a figure changed. O(mode) defaults to C(0644).
    type: path
attributes:
  check_mode:
    support: full
    description: Collects the report; says whether the metrics file would change, without writing it.
  diff_mode:
    support: full
    description: The metrics file before and after.
requirements:
  - cryptography >= 3.4
seealso:
  - module: certfleet.pki.certificate_status
  - module: certfleet.pki.served_certificate
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
# The certfleet.pki.report role builds these options from the certificate and web_tls declarations.
- name: What this host holds and serves
  certfleet.pki.certificate_report:
    host: "{{ inventory_hostname }}"
    certificates:
      - name: web
        issuer: lab-hsm
        common_name: "{{ inventory_hostname }}"
        subject_alt_names: ["DNS:{{ inventory_hostname }}"]
        renew_before: 33%
    sites:
      - name: www
        server: nginx
        certificate: web
        certificate_dir: /etc/certfleet/certs/web
        address: 127.0.0.1
        server_name: "{{ inventory_hostname }}"
    trust_bundles: [/etc/nginx/certfleet/client-ca.pem]
    metrics_path: /var/lib/prometheus/node-exporter/certfleet.prom
  register: report
'''

RETURN = r'''
certificates:
  description: One entry per declared certificate, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Certificate name.
      type: str
    issuer_name:
      description: The declared issuer.
      type: str
    present:
      description: Whether a certificate is installed.
      type: bool
    key_matches:
      description: Whether the installed key is the certificate's; null when none is installed.
      type: bool
    serial:
      description: Serial, hex.
      type: str
    issuer:
      description: Issuer as the certificate names it (RFC 4514).
      type: str
    not_before:
      description: Start of validity, ISO 8601 UTC.
      type: str
    not_after:
      description: Expiry, ISO 8601 UTC.
      type: str
    renew_at:
      description: When it becomes due, jitter included; absent when its source decides.
      type: str
    expired:
      description: Whether it has expired.
      type: bool
    in_renewal_window:
      description: Whether its renewal point has passed.
      type: bool
    needs_renewal:
      description: Whether the certificate role would renew it, with RV(certificates[].reasons).
      type: bool
    reasons:
      description: Why it would be renewed.
      type: list
      elements: str
    key_type:
      description: C(EC secp256r1), C(RSA 3072)...
      type: str
    weak_key:
      description: Why the key or signature is weak (RSA below 2048 bits, EC below 256, DSA, MD5 or SHA-1); null when not.
      type: str
    subject_alt_names:
      description: The installed certificate's subject alternative names.
      type: list
      elements: str
    declared_subject_alt_names:
      description: The declared ones.
      type: list
      elements: str
    sans_match:
      description: Whether the two are the same set.
      type: bool
    cas:
      description: The CAs above it (subject, issuer, serial, not_after, fingerprint_sha256).
      type: list
      elements: dict
    cas_expiring_first:
      description: Those of RV(certificates[].cas) that expire before it.
      type: list
      elements: dict
sites:
  description: One entry per declared site, the options given plus what it serves.
  returned: always
  type: list
  elements: dict
  contains:
    installed:
      description: The installed certificate (subject, serial, not_after, fingerprint_sha256); null when none.
      type: dict
    served:
      description: The certificate the site serves; null when it completed no handshake.
      type: dict
    serving:
      description: Whether it serves the installed certificate.
      type: bool
    chain_verifies:
      description: Whether the served chain verifies for the site's name; null without a handshake.
      type: bool
    chain_error:
      description: What the verification said.
      type: str
    error:
      description: Why there was no handshake.
      type: str
trust:
  description: Every CA certificate of the reported anchor groups and bundles.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: C(anchor) or C(bundle).
      type: str
    group:
      description: The anchor group name, or the bundle path.
      type: str
    path:
      description: The file.
      type: str
    subject:
      description: The CA's subject.
      type: str
    not_after:
      description: Its expiry.
      type: str
    expired:
      description: Whether it has expired.
      type: bool
    error:
      description: Why the file could not be read; null when it was.
      type: str
generated_at:
  description: When the report was collected, ISO 8601 UTC.
  returned: always
  type: str
metrics_path:
  description: The metrics file written (or, in check mode, that would be); null without O(metrics_path).
  returned: always
  type: str
'''

import datetime
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._certificate_state import (
    DECLARED_CERTIFICATE_OPTIONS,
    check_declarations,
)
from ansible_collections.certfleet.pki.plugins.module_utils._declaration_defaults import DEFAULT_RENEWAL_JITTER
from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._host_report import (
    certificate_entry,
    site_entry,
    trust_entries,
)
from ansible_collections.certfleet.pki.plugins.module_utils._report_metrics import textfile
from ansible_collections.certfleet.pki.plugins.module_utils._store import DEFAULT_CERTIFICATES_DIR
from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import PLATFORM_OPTION

SITE_OPTIONS = dict(
    name=dict(type="str", required=True),
    server=dict(type="str", required=True, choices=["nginx", "apache"]),
    certificate=dict(type="str", required=True),
    certificate_dir=dict(type="path", required=True),
    address=dict(type="str", required=True),
    port=dict(type="int", default=443),
    server_name=dict(type="str", required=True),
    ca_file=dict(type="str", default=""),
)


def collect(params, now):
    check_declarations(params["certificates"])
    installed_facts = {}  # by certificate directory: each certificate is read once
    return dict(
        certificates=[certificate_entry(declared, params, now, installed_facts) for declared in params["certificates"]],
        sites=[site_entry(site, params["timeout"], installed_facts) for site in params["sites"]],
        trust=trust_entries(params["trust_anchors"], params["trust_bundles"], params["trust_platform"], now),
    )


def write_metrics(module, report):
    """(changed, diff) of the metrics file; written unless in check mode."""
    path = module.params["metrics_path"]
    before = read_text(path) if os.path.exists(path) else ""
    after = textfile(report)
    file_args = module.load_file_common_arguments(dict(module.params, mode=module.params["mode"] or "0644"), path=path)
    changed = before != after
    if changed and not module.check_mode:
        write_atomically(module, path, after, mode=0o644)
    if os.path.exists(path):
        changed = module.set_fs_attributes_if_different(file_args, changed)
    return changed, dict(before=before, after=after, before_header=path, after_header=path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            host=dict(type="str", required=True),
            jitter=dict(type="float", default=DEFAULT_RENEWAL_JITTER),
            base_path=dict(type="path", default=DEFAULT_CERTIFICATES_DIR),
            certificates=dict(type="list", elements="dict", default=[],
                              options=dict(DECLARED_CERTIFICATE_OPTIONS, issuer=dict(type="str", required=True))),
            sites=dict(type="list", elements="dict", default=[], options=SITE_OPTIONS),
            timeout=dict(type="float", default=3),
            trust_anchors=dict(type="list", elements="str", default=[]),
            trust_bundles=dict(type="list", elements="path", default=[]),
            trust_platform=PLATFORM_OPTION,
            metrics_path=dict(type="path"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    now = datetime.datetime.now(datetime.timezone.utc)
    try:
        report = collect(module.params, now)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    result = dict(report, changed=False, generated_at=now.isoformat(), metrics_path=module.params["metrics_path"])
    if module.params["metrics_path"]:
        result["changed"], diff = write_metrics(module, report)
        if module._diff:
            result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
