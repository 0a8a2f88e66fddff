# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Atomic file writes, for modules and the controller's actions: readers see the old file or
the new one, never half; and the digest by which a host and the controller compare a file's
text without sending it."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import contextlib
import hashlib
import os
import tempfile


@contextlib.contextmanager
def errors_name(path):
    """An OSError raised inside names ``path``: a full disk's ENOSPC comes from write() or
    fsync(), which carry no file name ("cannot write None")."""
    try:
        yield
    except OSError as error:
        if error.filename is None:
            error.filename = path
        raise


def read_text(path):
    """The file's text, or None when it does not exist."""
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def replace_file(path, content, mode=0o644, move=os.replace):
    """Write ``content`` to ``path`` through a temporary file in the same directory (made
    when missing) and ``move`` (a rename; modules pass their atomic_move)."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    descriptor, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", dir=directory)
    try:
        with errors_name(path), os.fdopen(descriptor, "w") as handle:
            handle.write(content)
        os.chmod(temporary, mode)
        move(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def write_atomically(module, path, content, mode=0o644, file_args=None):
    """Write ``content`` to ``path`` through a temporary file in the same directory and a
    rename, then apply owner/group/mode/SELinux context (``file_args`` as returned by
    module.load_file_common_arguments). Returns whether the file attributes changed."""
    replace_file(path, content, mode, move=module.atomic_move)
    if file_args is None:
        return False
    file_args = dict(file_args, path=path)
    return module.set_fs_attributes_if_different(file_args, False)


def text_digest(text):
    """The SHA-256 (hex) of a file's text, as a host reports it and the controller compares it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
