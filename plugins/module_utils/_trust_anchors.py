# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""OS trust store anchors, in named groups of files. Every group of a run is planned (and
every certificate checked) before anything is written, and the system bundle is rebuilt once
for all of them: the work of a run does not grow with the number of groups."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import glob
import os
import re

from ansible_collections.certfleet.pki.plugins.module_utils._files import read_text, write_atomically
from ansible_collections.certfleet.pki.plugins.module_utils._trust_checks import TrustError, refuse_unusable
from ansible_collections.certfleet.pki.plugins.module_utils._trust_platforms import PLATFORMS, detect_platform
from ansible_collections.certfleet.pki.plugins.module_utils._x509_util import (
    InputError,
    certificate_facts,
    certificate_summary,
    load_certificates,
    to_pem,
)

OS_RELEASE = "/etc/os-release"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def resolve_platform(choice):
    """The TrustPlatform named, or the one /etc/os-release describes for V(auto)."""
    return detect_platform(read_text(OS_RELEASE)) if choice == "auto" else PLATFORMS[choice]


def anchor_path(platform, name, certificate):
    fingerprint = certificate_facts(certificate)["fingerprint_sha256"]
    return os.path.join(platform.anchor_dir, "%s-%s%s" % (name, fingerprint[:16], platform.extension))


def group_files(platform, name):
    pattern = os.path.join(platform.anchor_dir, "%s-%s%s" % (glob.escape(name), "[0-9a-f]" * 16, platform.extension))
    return sorted(glob.glob(pattern))


def describe(path, pem):
    return dict(certificate_summary(load_certificates(pem, path)[0]), path=path)


def listing(summaries, paths):
    return "".join("%(path)s  %(subject)s  until %(not_after)s\n" % summaries[path] for path in sorted(paths))


class GroupPlan:
    """What one group's anchor files are, and what they must become."""

    def __init__(self, platform, group):
        self.name = group["name"]
        self.existing = dict((path, read_text(path)) for path in group_files(platform, self.name))
        self.to_write, self.to_remove = self._plan(platform, group)
        self.after = sorted(set(self.existing).union(self.to_write).difference(self.to_remove))
        # Each anchor file parsed once: for the result, the diff and the bundle check.
        self.summaries = dict((path, describe(path, pem))
                              for path, pem in list(self.existing.items()) + list(self.to_write.items()))

    def _plan(self, platform, group):
        certificates = load_certificates(group.get("certificate"), "certificate of anchor group %s" % self.name)
        if group.get("state", "present") == "present":
            if not certificates:
                raise TrustError("anchor group %s: certificate holds no PEM certificate" % self.name)
            refuse_unusable(certificates)
            wanted = dict((anchor_path(platform, self.name, c), to_pem(c)) for c in certificates)
            to_write = dict((path, pem) for path, pem in wanted.items() if self.existing.get(path) != pem)
            return to_write, sorted(path for path in self.existing if path not in wanted)
        if certificates:
            named = set(anchor_path(platform, self.name, c) for c in certificates)
            return {}, sorted(path for path in self.existing if path in named)
        return {}, sorted(self.existing)

    @property
    def changed(self):
        return bool(self.to_write or self.to_remove)

    def result(self):
        return dict(name=self.name, changed=self.changed, added=sorted(self.to_write), removed=self.to_remove,
                    anchors=[self.summaries[path] for path in self.after])

    def diff(self, platform):
        header = "%s (anchor group %s)" % (platform.anchor_dir, self.name)
        return dict(before_header=header, after_header=header,
                    before=listing(self.summaries, self.existing), after=listing(self.summaries, self.after))


def plan_groups(platform, groups):
    """A GroupPlan per group; every name and certificate is checked before any file is read for writing."""
    seen = set()
    for group in groups:
        name = group.get("name") or ""
        if not NAME_PATTERN.match(name):
            raise TrustError("anchor group name %r may hold only letters, digits, '.', '_' and '-'" % name)
        if name in seen:
            raise TrustError("anchor group %s is declared twice; declare each group once with all its certificates"
                             % name)
        seen.add(name)
        if group.get("state", "present") == "present" and not group.get("certificate"):
            raise TrustError("anchor group %s: state=present needs certificate" % name)
    return [GroupPlan(platform, group) for group in groups]


def apply_groups(module, platform, plans):
    """Write and remove every group's files, rebuild the system bundle once, and check it.
    If the rebuild fails, every group's files are put back as they were."""
    changed = [plan for plan in plans if plan.changed]
    if not changed:
        return
    removing = any(plan.to_remove for plan in changed)
    command = platform.removal_command if removing else platform.update_command
    for plan in changed:
        for path, pem in plan.to_write.items():
            write_atomically(module, path, pem, mode=0o644)
        for path in plan.to_remove:
            os.remove(path)
    rc, stdout, stderr = module.run_command(command)
    if rc != 0:
        for plan in changed:
            _restore(module, plan)
        module.run_command(platform.removal_command)
        raise TrustError("%s failed (rc=%d): %s; the anchor files were put back as they were"
                         % (" ".join(command), rc, (stderr or stdout).strip()))
    _verify_bundle(platform, command, changed)


def _restore(module, plan):
    for path in plan.to_write:
        if path not in plan.existing and os.path.exists(path):
            os.remove(path)
    for path, pem in plan.existing.items():
        write_atomically(module, path, pem, mode=0o644)


def _bundle_fingerprints(platform):
    try:
        return set(certificate_facts(c)["fingerprint_sha256"] for c in load_certificates(platform.bundle, "system bundle"))
    except InputError:
        return set()


def _verify_bundle(platform, command, plans):
    """The rebuilt system bundle holds every kept anchor of the changed groups and none of the removed ones."""
    in_bundle = _bundle_fingerprints(platform)
    missing = [path for plan in plans for path in plan.after
               if plan.summaries[path]["fingerprint_sha256"] not in in_bundle]
    lingering = [path for plan in plans for path in plan.to_remove
                 if plan.summaries[path]["fingerprint_sha256"] in in_bundle]
    if missing or lingering:
        raise TrustError("%s did not rebuild %s as expected (missing: %s; still present: %s)"
                         % (" ".join(command), platform.bundle, missing or "none", lingering or "none"))
