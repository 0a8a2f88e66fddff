#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: certificate_deploy
short_description: Install a certificate and its key as a new version, switched in atomically
version_added: 0.1.0
description:
  - Installs a certificate, its chain and its private key on the host as a new version
    directory (C(cert.pem), C(chain.pem), C(fullchain.pem), C(key.pem)) under O(path), then
    points the C(current) link at it with one atomic rename. Services read
    C(<path>/current/fullchain.pem) and C(<path>/current/key.pem), so key and certificate
    always change together, and an interrupted run leaves C(current) on a complete version.
  - The key is never sent by the controller. O(key_src) names the key file that was
    generated on this host (for example in a staging directory); it is copied into the
    version. Without O(key_src), the current version's key is kept (key reuse).
  - A certificate that comes with its key from a source (an ACM private certificate, a
    Secrets Manager secret) brings it encrypted in O(key_encrypted); it is decrypted here,
    on the host, with O(key_passphrase), and written unencrypted like any other key.
  - A key that does not match the certificate is refused before anything is switched.
  - Keeps the last O(keep) versions. O(state=rollback) switches back to the version that was
    current before the current one (the switch history is kept in C(<path>/.history)), not
    to whichever version sorts before it.
  - Runs on one certificate take turns. A lock on C(<path>/.lock) is held while a version is
    written, switched and pruned, and a run that had to wait says so in a warning. Files and
    directories are flushed to disk before each rename, so a power loss never leaves
    C(current) on empty files.
options:
  path:
    description:
      - Directory of this certificate's versions and its C(current) link.
      - Required unless O(certificates) installs several certificates.
    type: path
  certificate:
    description: The certificate (PEM content). Required with O(state=present) and O(path).
    type: str
  certificates:
    description:
      - Several certificates to install in one run (O(state=present)), each with the options
        O(path), O(certificate), O(chain), O(fullchain_root), O(key_src), O(key_encrypted), O(key_passphrase),
        O(origin), O(pkcs12_passphrase), O(owner) and O(group) of one certificate; O(keep) applies to each. They are installed in order,
        each under its own lock; a failure names the certificate and those installed before it.
      - Mutually exclusive with O(path).
    type: list
    elements: dict
    suboptions:
      path:
        description: Directory of this certificate's versions.
        type: path
        required: true
      certificate:
        description: The certificate (PEM content).
        type: str
        required: true
      chain:
        description: The certificates above it, issuer first (PEM content).
        type: str
        default: ""
      fullchain_root:
        description: As O(fullchain_root), for this certificate.
        type: bool
        default: false
      key_src:
        description: Path on this host of the private key; the current version's key is reused when not set.
        type: path
      key_encrypted:
        description: The private key as encrypted PKCS#8 PEM (see O(key_encrypted)).
        type: str
      key_passphrase:
        description: The passphrase of O(certificates[].key_encrypted).
        type: str
      origin:
        description: Where the certificate came from (see O(origin)).
        type: str
      pkcs12_passphrase:
        description: Passphrase of C(cert.p12), which is written when this is set.
        type: str
      owner:
        description: Owner of the version's files.
        type: str
      group:
        description: Group of the version's files (the key is then 0640).
        type: str
  chain:
    description: The certificates above it, issuer first (PEM content).
    type: str
    default: ""
  fullchain_root:
    description:
      - Keep the root (a self-signed certificate of O(chain)) in C(fullchain.pem).
      - By default C(fullchain.pem), what servers send, holds the certificate and its
        intermediates only - clients hold the root already, and TLS scanners warn when a
        server sends it. C(chain.pem) always holds the whole O(chain), root included.
    type: bool
    default: false
  key_src:
    description:
      - Path on this host of the private key for O(certificate). When not set, the current
        version's key is reused.
    type: path
  key_encrypted:
    description:
      - The private key for O(certificate) as encrypted PKCS#8 PEM (what ACM's
        C(ExportCertificate) returns), decrypted on this host with O(key_passphrase).
      - Mutually exclusive with O(key_src).
    type: str
  key_passphrase:
    description: The passphrase of O(key_encrypted).
    type: str
  origin:
    description:
      - Where the certificate came from, kept with the version in C(origin) (for example the
        Secrets Manager version id it was read from); M(certfleet.pki.certificate_status)
        reports it, so the next run reads the source only when it has moved on.
    type: str
  pkcs12_passphrase:
    description:
      - When set, each version also holds C(cert.p12) (key, certificate and chain, encrypted
        with this passphrase), for Java and Windows-style consumers.
      - PKCS#12 files are encrypted with a random salt, so they are not compared between
        runs; a version that lacks C(cert.p12) gets a new version when this is set. Changing
        only the passphrase does not produce a new version.
    type: str
  keep:
    description: How many versions to keep, the current one included (at least 2, so a rollback is always possible).
    type: int
    default: 3
  owner:
    description: Owner of the version's files.
    type: str
  group:
    description:
      - Group of the version's files. The key is made readable by this group (mode 0640) so
        a service user in it can read it; without a group the key is 0600.
    type: str
  state:
    description: V(present) installs O(certificate) as the current version when it is not already; V(rollback) switches back one version.
    type: str
    choices: [present, rollback]
    default: present
attributes:
  check_mode:
    support: full
    description: Reports the version that would be installed or rolled back to; writes nothing.
  diff_mode:
    support: full
    description: Shows the active version and its certificate (subject, serial, expiry) before and after.
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Install the renewed certificate with the key generated on this host
  certfleet.pki.certificate_deploy:
    path: /etc/certfleet/certs/web
    certificate: "{{ issued.certificate }}"
    chain: "{{ issued.chain }}"
    key_src: /etc/certfleet/staging/web/key.pem
    group: www-data
  notify: Reload nginx

- name: Go back to the previous certificate after a failed reload
  certfleet.pki.certificate_deploy:
    path: /etc/certfleet/certs/web
    state: rollback
'''

RETURN = r'''
results:
  description: With O(certificates), one entry per certificate with the fields below and its C(path).
  returned: when O(certificates) is given
  type: list
  elements: dict
version:
  description: Name of the active version directory after the run; null in check mode when a new version would be installed.
  returned: with O(path); with O(certificates), in each of RV(results)
  type: str
  sample: 20261128T163501Z-5c0e2a7f3b1d4e6a
previous_version:
  description: The version that was active before the run (null if none).
  returned: with O(path); with O(certificates), in each of RV(results)
  type: str
current:
  description: Path of the C(current) link.
  returned: with O(path); with O(certificates), in each of RV(results)
  type: str
lock_waited:
  description: Seconds this run waited for another run's lock on the certificate (a warning says so from 1 s).
  returned: when not in check mode
  type: float
removed_versions:
  description: Version directories pruned by O(keep).
  returned: with O(path); with O(certificates), in each of RV(results)
  type: list
  elements: str
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._store import DEFAULT_KEEP_VERSIONS, PKCS12, CertificateStore
from ansible_collections.certfleet.pki.plugins.module_utils._version_files import (
    VersionError,
    compose_version,
    diff_for,
    version_content,
    version_key,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import certificate_facts


class Deployment:
    """One certificate's install (or rollback), from its own parameters."""

    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.store = CertificateStore(params["path"])
        self.pkcs12 = None

    def wanted_files(self, previous):
        params = self.params
        key_pem = version_key(self.store, previous, params["key_encrypted"], params["key_passphrase"], params["key_src"])
        certificate, files, self.pkcs12 = compose_version(params["certificate"], params["chain"], key_pem,
                                                          params["fullchain_root"], params["origin"],
                                                          params["pkcs12_passphrase"])
        return certificate, files

    def apply_ownership(self, target):
        self.module.set_owner_if_different(target, self.params["owner"], False)
        self.module.set_group_if_different(target, self.params["group"], False)
        if self.module.selinux_enabled():
            self.module.set_default_selinux_context(target, False)

    def present(self):
        previous = self.store.active_version()
        certificate, files = self.wanted_files(previous)
        unchanged = version_content(self.store, previous) == files
        result = dict(changed=not unchanged, previous_version=previous, version=previous, removed_versions=[])
        if unchanged:
            return result
        if self.module.check_mode:
            return dict(result, version=None)
        contents = dict((name, self.pkcs12 if name == PKCS12 else text.encode()) for name, text in files.items())
        version = self.store.add_version(contents, certificate_facts(certificate)["serial"][:16], self.apply_ownership,
                                         shared_with_group=bool(self.params["group"]))
        removed = self.store.make_current(version, self.params["keep"])
        return dict(result, version=version, removed_versions=removed)

    def rollback(self):
        current = self.store.active_version()
        target, history = self.store.rollback_target()
        if not self.module.check_mode:
            self.store.roll_back(target, history)
        return dict(changed=True, previous_version=current, version=target, removed_versions=[])


def locked_run(module, deployment):
    """The deployment, under the certificate's lock (check mode reads without it)."""
    run = deployment.present if deployment.params["state"] == "present" else deployment.rollback
    if module.check_mode:
        return run()
    with deployment.store.lock() as lock:
        result = run()
    result["lock_waited"] = round(lock.waited, 1)
    if lock.waited >= 1:
        module.warn("waited %.0f s for another run's lock on %s" % (lock.waited, deployment.store.directory))
    return result


def deploy(module, params):
    """One certificate's result, with its diff when asked for."""
    deployment = Deployment(module, params)
    try:
        result = locked_run(module, deployment)
    except OSError as error:  # a full disk, a read-only file system, a permission: name the path
        raise VersionError("cannot write %s: %s; the current version is unchanged"
                           % (error.filename or params["path"], error.strerror or error))
    result.update(path=params["path"], current=os.path.dirname(deployment.store.paths["certificate"]))
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = diff_for(deployment.store, result)
    return result


def deploy_all(module):
    """Every entry of O(certificates), in one run: the results, their changes and their diffs."""
    shared = dict((key, module.params[key]) for key in ("keep", "state"))
    results = []
    for entry in module.params["certificates"]:
        try:
            results.append(deploy(module, dict(entry, **shared)))
        except CertfleetError as error:
            raise VersionError("%s: %s (installed before it in this run: %s)"
                               % (entry["path"], error, ", ".join(r["path"] for r in results if r["changed"]) or "none"))
    result = dict(changed=any(r["changed"] for r in results), results=results)
    if module._diff:  # pylint: disable=protected-access
        diffs = [r.pop("diff") for r in results]
        result["diff"] = dict(before="".join(d["before"] for d in diffs), after="".join(d["after"] for d in diffs))
    return result


ENTRY_OPTIONS = dict(
    path=dict(type="path", required=True),
    certificate=dict(type="str", required=True),
    chain=dict(type="str", default=""),
    fullchain_root=dict(type="bool", default=False),
    key_src=dict(type="path"),
    key_encrypted=dict(type="str", no_log=True),
    key_passphrase=dict(type="str", no_log=True),
    origin=dict(type="str"),
    pkcs12_passphrase=dict(type="str", no_log=True),
    owner=dict(type="str"),
    group=dict(type="str"),
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            certificate=dict(type="str"),
            chain=dict(type="str", default=""),
            fullchain_root=dict(type="bool", default=False),
            key_src=dict(type="path"),
            key_encrypted=dict(type="str", no_log=True),
            key_passphrase=dict(type="str", no_log=True),
            origin=dict(type="str"),
            keep=dict(type="int", default=DEFAULT_KEEP_VERSIONS),
            pkcs12_passphrase=dict(type="str", no_log=True),
            owner=dict(type="str"),
            group=dict(type="str"),
            state=dict(type="str", choices=["present", "rollback"], default="present"),
            certificates=dict(type="list", elements="dict", options=ENTRY_OPTIONS,
                              mutually_exclusive=[("key_src", "key_encrypted")],
                              required_together=[("key_encrypted", "key_passphrase")]),
        ),
        required_one_of=[("path", "certificates")],
        mutually_exclusive=[("path", "certificates"), ("key_src", "key_encrypted")],
        required_together=[("key_encrypted", "key_passphrase")],
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    params = module.params
    if params["keep"] < 2:
        module.fail_json(msg="keep must be at least 2 so that a rollback stays possible, got %d" % params["keep"])
    if params["path"] and params["state"] == "present" and not params["certificate"]:
        module.fail_json(msg="state is present but all of the following are missing: certificate")
    if params["certificates"] is not None and params["state"] != "present":
        module.fail_json(msg="certificates installs several certificates (state=present); roll back one path at a time")
    try:
        result = deploy_all(module) if params["certificates"] is not None else deploy(module, params)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
