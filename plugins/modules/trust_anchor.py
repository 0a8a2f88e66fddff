#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: trust_anchor
short_description: Add or remove CA certificates in the operating system trust store
version_added: 0.1.0
description:
  - Ensures CA certificates are present in, or absent from, the OS trust store, the way each
    OS family expects it. Debian, Ubuntu and Alpine use C(/usr/local/share/ca-certificates)
    and C(update-ca-certificates); RHEL, CentOS, Fedora and Amazon Linux use
    C(/etc/pki/ca-trust/source/anchors) and C(update-ca-trust extract); SUSE uses
    C(/etc/pki/trust/anchors) and C(update-ca-certificates).
  - Each certificate gets its own anchor file named C(<name>-<first 16 hex digits of its SHA-256
    fingerprint>), so the store is rebuilt by the OS tool, never appended to. The update
    command runs only when an anchor file changed, and the rebuilt system bundle is checked
    for the result.
  - A certificate that does not parse, is not a CA, or has expired is refused before anything
    is written. If the update command fails, the anchor files are put back as they were.
options:
  name:
    description:
      - Name of this group of anchors, the prefix of its files. With O(state=present), the
        group holds exactly the certificates given; anchor files of the group that are not
        among them are removed (this is how a CA bundle is rotated).
    type: str
    default: certfleet
  certificate:
    description:
      - CA certificates as PEM content or the path of a PEM file on the managed host; may hold
        several, for example the C(trust_bundle) of an ACM Private CA or a private root.
      - Required with O(state=present). With O(state=absent), only these certificates are
        removed from the group; without it, the whole group is removed.
    type: str
  state:
    description: Whether the certificates are trusted.
    type: str
    choices: [present, absent]
    default: present
  platform:
    description:
      - Trust store layout. V(auto) reads C(/etc/os-release).
    type: str
    choices: [auto, debian, rhel, suse, alpine]
    default: auto
attributes:
  check_mode:
    support: full
    description: Reports the anchor files that would be added or removed; writes nothing and runs no update.
  diff_mode:
    support: full
    description: Shows the anchor files of the group (file, subject, expiry) before and after.
requirements:
  - cryptography >= 3.4
author:
  - certfleet.pki maintainers (@certfleet)
'''

EXAMPLES = r'''
- name: Trust the private root on every host
  certfleet.pki.trust_anchor:
    name: example-root
    certificate: "{{ lookup('file', 'pki/root.pem') }}"

- name: Trust the ACM Private CA hierarchy
  certfleet.pki.trust_anchor:
    name: prod-pca
    certificate: "{{ pca_info.trust_bundle }}"

- name: Stop trusting the old root (after issuance has moved to the new one)
  certfleet.pki.trust_anchor:
    name: example-root-2020
    state: absent
'''

RETURN = r'''
anchors:
  description: The anchor files of the group after the run.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Anchor file.
      type: str
    subject:
      description: Subject of the certificate (RFC 4514).
      type: str
    fingerprint_sha256:
      description: SHA-256 fingerprint, hex.
      type: str
    not_after:
      description: End of validity, ISO 8601.
      type: str
added:
  description: Anchor files written.
  returned: always
  type: list
  elements: str
removed:
  description: Anchor files removed.
  returned: always
  type: list
  elements: str
platform:
  description: The trust store layout used.
  returned: always
  type: str
  sample: debian
'''

import glob
import os
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.certfleet.pki.plugins.module_utils._dependencies import require_libraries
from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._trust_checks import TrustError, refuse_unusable
from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import (
    PLATFORMS,
    detect_platform,
)
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    InputError,
    certificate_facts,
    certificate_summary,
    load_certificates,
    to_pem,
)

OS_RELEASE = "/etc/os-release"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def anchor_path(platform, name, certificate):
    fingerprint = certificate_facts(certificate)["fingerprint_sha256"]
    return os.path.join(platform.anchor_dir, "%s-%s%s" % (name, fingerprint[:16], platform.extension))


def group_files(platform, name):
    pattern = os.path.join(platform.anchor_dir, "%s-%s%s" % (glob.escape(name), "[0-9a-f]" * 16, platform.extension))
    return sorted(glob.glob(pattern))


def describe(path, pem):
    return dict(certificate_summary(load_certificates(pem, path)[0]), path=path)


def plan(params, platform, existing):
    """(files to write {path: pem}, files to remove [path])."""
    certificates = load_certificates(params["certificate"], "certificate")
    if params["state"] == "present":
        if not certificates:
            raise TrustError("certificate holds no PEM certificate")
        refuse_unusable(certificates)
        wanted = dict((anchor_path(platform, params["name"], c), to_pem(c)) for c in certificates)
        to_write = dict((path, pem) for path, pem in wanted.items() if existing.get(path) != pem)
        return to_write, sorted(path for path in existing if path not in wanted)
    if certificates:
        named = set(anchor_path(platform, params["name"], c) for c in certificates)
        return {}, sorted(path for path in existing if path in named)
    return {}, sorted(existing)


def listing(summaries, paths):
    return "".join("%(path)s  %(subject)s  until %(not_after)s\n" % summaries[path] for path in sorted(paths))


def bundle_fingerprints(platform):
    try:
        return set(certificate_facts(c)["fingerprint_sha256"] for c in load_certificates(platform.bundle, "system bundle"))
    except InputError:
        return set()


class AnchorFiles:
    """Writes and removes anchor files, and can put them back as they were."""

    def __init__(self, module, existing):
        self.module = module
        self.before = dict(existing)

    def apply(self, to_write, to_remove):
        for path, pem in to_write.items():
            self.write(path, pem)
        for path in to_remove:
            os.remove(path)

    def write(self, path, pem):
        write_atomically(self.module, path, pem, mode=0o644)

    def restore(self, to_write):
        for path in to_write:
            if path not in self.before and os.path.exists(path):
                os.remove(path)
        for path, pem in self.before.items():
            self.write(path, pem)


def run(module):
    params = module.params
    if not NAME_PATTERN.match(params["name"]):
        raise TrustError("name %r may hold only letters, digits, '.', '_' and '-'" % params["name"])
    if params["state"] == "present" and not params["certificate"]:
        raise TrustError("state=present needs certificate")
    if params["platform"] == "auto":
        platform = detect_platform(read_text(OS_RELEASE))
    else:
        platform = PLATFORMS[params["platform"]]

    existing = dict((path, read_text(path)) for path in group_files(platform, params["name"]))
    to_write, to_remove = plan(params, platform, existing)
    after = sorted(set(existing).union(to_write).difference(to_remove))
    # Each anchor file parsed once: for the result, the diff and the bundle check.
    summaries = dict((path, describe(path, pem)) for path, pem in list(existing.items()) + list(to_write.items()))
    changed = bool(to_write or to_remove)
    result = dict(changed=changed, platform=platform.family, added=sorted(to_write), removed=to_remove,
                  anchors=[summaries[path] for path in after])
    if module._diff:  # pylint: disable=protected-access
        result["diff"] = dict(before_header=platform.anchor_dir, after_header=platform.anchor_dir,
                              before=listing(summaries, existing), after=listing(summaries, after))
    if not changed or module.check_mode:
        return result

    command = platform.removal_command if to_remove else platform.update_command
    files = AnchorFiles(module, existing)
    files.apply(to_write, to_remove)
    rc, stdout, stderr = module.run_command(command)
    if rc != 0:
        files.restore(to_write)
        module.run_command(platform.removal_command)
        raise TrustError("%s failed (rc=%d): %s; the anchor files were put back as they were"
                         % (" ".join(command), rc, (stderr or stdout).strip()))
    verify_bundle(platform, command, [summaries[p] for p in after], [summaries[p] for p in to_remove])
    return result


def verify_bundle(platform, command, kept, removed):
    """The rebuilt system bundle holds every anchor of the group and none of the removed ones."""
    in_bundle = bundle_fingerprints(platform)
    missing = [anchor["path"] for anchor in kept if anchor["fingerprint_sha256"] not in in_bundle]
    lingering = [anchor["path"] for anchor in removed if anchor["fingerprint_sha256"] in in_bundle]
    if missing or lingering:
        raise TrustError("%s did not rebuild %s as expected (missing: %s; still present: %s)"
                         % (" ".join(command), platform.bundle, missing or "none", lingering or "none"))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", default="certfleet"),
            certificate=dict(type="str"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            platform=dict(type="str", choices=["auto", "debian", "rhel", "suse", "alpine"], default="auto"),
        ),
        supports_check_mode=True,
    )
    require_libraries(module, "cryptography")
    try:
        result = run(module)
    except CertfleetError as error:
        module.fail_json(msg=str(error))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
