# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where nginx and Apache httpd read their configuration, how they are tested and reloaded,
and which Apache modules are enabled: read on the host, so that no fact gathering is needed."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError

# Apache's layout differs by OS family; nginx reads conf.d on both.
APACHE_LAYOUTS = {
    "Debian": dict(os_family="Debian", root="/etc/apache2", service="apache2", test_command=["apache2ctl", "configtest"],
                   config_dir="/etc/apache2/sites-available", enabled_dir="/etc/apache2/sites-enabled",
                   module_command="a2enmod", ssl_package=""),
    "RedHat": dict(os_family="RedHat", root="/etc/httpd", service="httpd", test_command=["apachectl", "configtest"],
                   config_dir="/etc/httpd/conf.d", enabled_dir="", module_command="", ssl_package="mod_ssl"),
}
NGINX_LAYOUT = dict(os_family=None, root="/etc/nginx", service="nginx", test_command=["nginx", "-t"],
                    config_dir="/etc/nginx/conf.d", enabled_dir="", module_command="", ssl_package="")
APACHE_MODULES = ("ssl", "headers")


class LayoutError(CertfleetError):
    """The host has no configuration layout this collection knows for the server."""


def server_layout(server, root=""):
    """The layout of ``server`` (nginx or apache) on this host; ``root`` prefixes every path
    looked at (tests point it at a directory tree)."""
    if server == "nginx":
        return dict(NGINX_LAYOUT)
    for layout in APACHE_LAYOUTS.values():
        if os.path.isdir(root + layout["root"]):
            return dict(layout)
    raise LayoutError("Apache httpd is not installed here: neither %s nor %s exists (certfleet.pki knows the Debian and "
                      "RedHat layouts)" % tuple(layout["root"] for layout in APACHE_LAYOUTS.values()))


def missing_apache_modules(layout, modules, root=""):
    """Which of ``modules`` Apache does not load yet. Debian enables them with a2enmod (a
    link in mods-enabled); RedHat loads mod_headers by default and gets mod_ssl from its package."""
    if layout["os_family"] == "Debian":
        return [name for name in modules if not os.path.exists(root + "/etc/apache2/mods-enabled/%s.load" % name)]
    if "ssl" in modules and not os.path.exists(root + "/etc/httpd/conf.modules.d/00-ssl.conf"):
        return ["ssl"]
    return []
