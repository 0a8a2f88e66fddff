# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where each OS family keeps the administrator's trust anchors, the command that rebuilds
the system bundle from them, and the bundle it writes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from collections import namedtuple

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

# removal_command runs instead of update_command when anchors were removed: Debian's and
# Alpine's update-ca-certificates leave the removed anchors' links (named and hashed) in
# /etc/ssl/certs unless told to rebuild them with --fresh.
TrustPlatform = namedtuple("TrustPlatform",
                           ["family", "anchor_dir", "extension", "update_command", "removal_command", "bundle"])

PLATFORMS = {
    "debian": TrustPlatform("debian", "/usr/local/share/ca-certificates", ".crt", ["update-ca-certificates"],
                            ["update-ca-certificates", "--fresh"], "/etc/ssl/certs/ca-certificates.crt"),
    "rhel": TrustPlatform("rhel", "/etc/pki/ca-trust/source/anchors", ".pem", ["update-ca-trust", "extract"],
                          ["update-ca-trust", "extract"], "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"),
    "suse": TrustPlatform("suse", "/etc/pki/trust/anchors", ".pem", ["update-ca-certificates"],
                          ["update-ca-certificates"], "/var/lib/ca-certificates/ca-bundle.pem"),
    "alpine": TrustPlatform("alpine", "/usr/local/share/ca-certificates", ".crt", ["update-ca-certificates"],
                            ["update-ca-certificates", "--fresh"], "/etc/ssl/certs/ca-certificates.crt"),
}

# The modules' `platform` option: auto (read /etc/os-release) or a family.
PLATFORM_OPTION = dict(type="str", choices=["auto", "debian", "rhel", "suse", "alpine"], default="auto")

# os-release ID or ID_LIKE word -> family
_FAMILY_OF = {
    "debian": "debian", "ubuntu": "debian", "linuxmint": "debian", "raspbian": "debian",
    "rhel": "rhel", "centos": "rhel", "fedora": "rhel", "amzn": "rhel", "rocky": "rhel",
    "almalinux": "rhel", "ol": "rhel",
    "suse": "suse", "opensuse": "suse", "sles": "suse", "opensuse-leap": "suse", "opensuse-tumbleweed": "suse",
    "alpine": "alpine",
}


class UnsupportedPlatform(CertfleetError):
    pass


def parse_os_release(text):
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def detect_platform(os_release_text):
    """The TrustPlatform for the contents of /etc/os-release (ID first, then ID_LIKE)."""
    values = parse_os_release(os_release_text)
    for word in [values.get("ID", "")] + values.get("ID_LIKE", "").split():
        family = _FAMILY_OF.get(word.lower())
        if family:
            return PLATFORMS[family]
    raise UnsupportedPlatform("no known trust store layout for this OS (ID=%r, ID_LIKE=%r); set platform to one of %s"
                              % (values.get("ID"), values.get("ID_LIKE"), ", ".join(sorted(PLATFORMS))))
