# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a declared value may look like before it reaches a path, a configuration file or
a certificate. Pure functions, used on the controller (filters) and by modules alike, so
that a name is judged the same way everywhere. Every error names the field and the value."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

# A certificate, site or issuer name becomes a directory and a config comment: one path
# component of letters, digits, '.', '_' and '-', not starting with a dot.
# Every pattern is matched whole (fullmatch): '$' would also match before a final newline.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_DNS_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# POSIX user and group names (useradd's default rule), as owner/group of installed files.
_ACCOUNT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?")
# An absolute path rendered into a server configuration: no white space, quotes, ';', '#',
# braces or other characters a config parser gives a meaning to.
_SAFE_PATH = re.compile(r"/[A-Za-z0-9_./@+:-]*")
# An environment variable name (POSIX): Ansible writes task environment names unquoted into
# the command line that runs the module.
_ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASCII_DIGITS = re.compile(r"[0-9]{1,12}")


class DeclarationError(CertfleetError):
    """A declared value that must not reach a host."""


def _refuse(field, value, rule):
    raise DeclarationError("%s %r %s" % (field, value, rule))


def safe_name(value, field):
    """A name that is used as one path component."""
    if not isinstance(value, str) or not _SAFE_NAME.fullmatch(value) or ".." in value:
        _refuse(field, value, "must be 1 to 64 letters, digits, '.', '_' or '-', start with a letter "
                              "or digit and not contain '..'")
    return value


def _is_dns_name(text, wildcard):
    labels = text[2:].split(".") if wildcard and text.startswith("*.") else text.split(".")
    return bool(text) and len(text) <= 253 and all(_DNS_LABEL.fullmatch(label) for label in labels)


def _dns_rule(wildcard):
    return "is not a DNS name (dot-separated labels of letters, digits and '-'%s)" % (
        ", optionally after '*.'" if wildcard else "")


def _parsed_ip(text):
    """The address, or None; a scoped IPv6 address (fe80::1%eth0) is refused: a certificate
    cannot carry the scope, so it could never be issued as declared."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return None if getattr(address, "scope_id", None) else address


def dns_name(value, field, wildcard=False):
    """A host name (letters, digits and '-' in dot-separated labels); '*.' may lead when
    ``wildcard``."""
    if not isinstance(value, str) or not _is_dns_name(value, wildcard):
        _refuse(field, value, _dns_rule(wildcard))
    return value.lower()


def ip_address(value, field):
    address = _parsed_ip(value) if isinstance(value, str) else None
    if address is None:
        _refuse(field, value, "is not an IP address")
    return address


def whole_number(value, field, minimum, maximum):
    """An int, or a string of ASCII digits ('²'.isdigit() is true, int('²') fails), within
    [minimum, maximum]."""
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not _ASCII_DIGITS.fullmatch(text) or not minimum <= int(text) <= maximum:
        _refuse(field, value, "must be a whole number from %d to %d" % (minimum, maximum))
    return int(text)


def environment_name(value, field):
    """A name that may stand unquoted on a command line as NAME=value."""
    if not isinstance(value, str) or not _ENVIRONMENT_NAME.fullmatch(value):
        _refuse(field, value, "is not an environment variable name (letters, digits and '_', not starting with a digit)")
    return value


def account_name(value, field):
    if not isinstance(value, str) or not _ACCOUNT.fullmatch(value):
        _refuse(field, value, "is not a user or group name")
    return value


def config_path(value, field):
    """An absolute path that is safe to write into a configuration file unquoted."""
    if not isinstance(value, str) or not _SAFE_PATH.fullmatch(value) or "/../" in value + "/" or "//" in value:
        _refuse(field, value, "must be an absolute path of letters, digits and '/._@+:-' without '..'")
    return value


def subject_alt_name(value, field):
    """'DNS:name' or 'IP:address' (the kinds a TLS server certificate carries), normalised;
    URI and email names are passed through after a check for control characters."""
    kind, separator, rest = value.partition(":") if isinstance(value, str) else ("", "", "")
    kind = kind.strip().upper()
    if not separator or not rest:
        _refuse(field, value, "must look like DNS:name, IP:address, URI:uri or email:address")
    if kind == "DNS":
        if not _is_dns_name(rest, wildcard=True):
            _refuse(field, value, _dns_rule(wildcard=True))
        return "DNS:" + rest.lower()
    if kind in ("IP", "IP ADDRESS"):
        if _parsed_ip(rest) is None:
            _refuse(field, value, "is not an IP address")
        return "IP:" + str(_parsed_ip(rest))
    if kind in ("URI", "EMAIL"):
        if re.search(r"[\s\x00-\x1f\x7f]", rest):
            _refuse(field, value, "contains white space or control characters")
        return ("URI:" if kind == "URI" else "email:") + rest
    _refuse(field, value, "has an unsupported type %r (DNS, IP, URI, email)" % kind)


def name_matches(name, pattern):
    """Whether 'DNS:x' / 'IP:x' ``name`` is allowed by ``pattern``: a DNS name in which a
    leading '*' stands for exactly one label ('*.web.corp.internal'), or an IP address or
    network ('10.1.0.0/16'). Case does not count."""
    kind, _separator, value = name.partition(":")
    if kind.upper() in ("IP", "IP ADDRESS"):
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    if kind.upper() != "DNS":
        return pattern == name
    value, pattern = value.lower(), pattern.lower()
    if pattern.startswith("*."):
        head, _dot, tail = value.partition(".")
        return bool(head) and tail == pattern[2:]
    return value == pattern
