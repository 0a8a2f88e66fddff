# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Application trust bundles: PEM files holding exactly the given CA certificates, in order,
each once. Planned (every certificate checked) before anything is written."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._trust_checks import TrustError, refuse_unusable
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    certificate_facts,
    certificate_summary,
    load_certificates,
    to_pem,
)


def _ordered_unique(certificates):
    seen, result = set(), []
    for certificate in certificates:
        fingerprint = certificate_facts(certificate)["fingerprint_sha256"]
        if fingerprint not in seen:
            seen.add(fingerprint)
            result.append(certificate)
    return result


def _summary_text(summaries):
    return "".join("%(subject)s  %(fingerprint_sha256)s\n" % item for item in summaries)


class BundlePlan:
    """One bundle file as it is and as it must be. `bundle` holds path, certificates and state."""

    def __init__(self, bundle):
        self.path = bundle["path"]
        self.present = bundle.get("state", "present") == "present"
        self.current_text = read_text(self.path)
        current = []
        if self.current_text and "BEGIN CERTIFICATE" in self.current_text:
            current = load_certificates(self.current_text, self.path)
        self.before = [certificate_summary(c) for c in current]
        self.content, self.certificates = None, []
        if self.present:
            wanted = []
            for item in bundle.get("certificates") or []:
                wanted.extend(load_certificates(item, "certificates of bundle %s" % self.path))
            if not wanted:
                raise TrustError("bundle %s: certificates holds no PEM certificate" % self.path)
            refuse_unusable(wanted)
            wanted = _ordered_unique(wanted)
            self.content = "".join(to_pem(c) for c in wanted)
            self.certificates = [certificate_summary(c) for c in wanted]

    @property
    def content_changed(self):
        return self.content != self.current_text if self.present else self.current_text is not None

    def apply(self, module, file_args):
        """Write or remove the file (unless in check mode); True if the file or its attributes changed.
        ``file_args``: module.load_file_common_arguments of the bundle's declaration (path included)."""
        changed = self.content_changed
        if not self.present:
            if changed and not module.check_mode:
                os.remove(self.path)
            return changed
        if changed and not module.check_mode:
            write_atomically(module, self.path, self.content, mode=0o644, file_args=file_args)
        elif os.path.exists(self.path):
            changed = module.set_fs_attributes_if_different(file_args, changed)
        return changed

    def diff(self):
        return dict(before_header=self.path, after_header=self.path,
                    before=_summary_text(self.before), after=_summary_text(self.certificates))


def plan_bundles(bundles):
    """A BundlePlan per bundle; a path declared twice is refused."""
    seen = set()
    for bundle in bundles:
        if bundle["path"] in seen:
            raise TrustError("bundle %s is declared twice; declare each bundle once with all its certificates"
                             % bundle["path"])
        seen.add(bundle["path"])
    return [BundlePlan(bundle) for bundle in bundles]
