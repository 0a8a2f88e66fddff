"""The nginx and Apache layouts read on the host (no fact gathering), in a directory tree
standing in for the host's root."""

import pytest

from ansible_collections.certfleet.pki.plugins.module_utils._web_servers import (
    LayoutError, missing_apache_modules, server_layout,
)


def make_tree(root, *paths):
    """Directories, and empty files for names with a dot."""
    for path in paths:
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        if "." in target.name:
            target.write_text("")
        else:
            target.mkdir(exist_ok=True)
    return str(root)


def test_debian_apache_and_its_enabled_modules(tmp_path):
    root = make_tree(tmp_path, "/etc/apache2", "/etc/apache2/mods-enabled/ssl.load")
    layout = server_layout("apache", root)
    assert layout["service"] == "apache2" and layout["enabled_dir"] == "/etc/apache2/sites-enabled"
    assert layout["module_command"] == "a2enmod"
    assert missing_apache_modules(layout, ["ssl", "headers"], root) == ["headers"]


def test_redhat_apache_gets_mod_ssl_from_its_package_and_has_mod_headers_built_in(tmp_path):
    root = make_tree(tmp_path, "/etc/httpd")
    layout = server_layout("apache", root)
    assert layout["service"] == "httpd" and layout["config_dir"] == "/etc/httpd/conf.d" and layout["enabled_dir"] == ""
    assert missing_apache_modules(layout, ["ssl", "headers"], root) == ["ssl"]
    make_tree(tmp_path, "/etc/httpd/conf.modules.d/00-ssl.conf")
    assert missing_apache_modules(layout, ["ssl", "headers"], root) == []


def test_no_apache_is_named_clearly(tmp_path):
    with pytest.raises(LayoutError, match="neither /etc/apache2 nor /etc/httpd exists"):
        server_layout("apache", str(tmp_path))


def test_nginx_reads_conf_d_everywhere(tmp_path):
    assert server_layout("nginx", str(tmp_path))["config_dir"] == "/etc/nginx/conf.d"
