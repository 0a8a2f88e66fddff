# -*- coding: utf-8 -*-
# Copyright (c) certfleet.pki contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The on-host layout of certificates, owned here and nowhere else.

    <certificates dir>/<name>/                   one certificate (CertificateStore)
        <version>/cert.pem chain.pem fullchain.pem key.pem [cert.p12] [origin]
        current -> <version>                     switched with one atomic rename
        .history                                 versions made current, oldest first
        .lock                                    held while a version is written and switched
    <staging dir>/<name>/<run>.key.pem           a key generated for one run, until installed

Modules read and write through CertificateStore; roles and filters get every path from
certificate_paths() (through the certificate_plan and tls_sites filters), never by joining
strings themselves."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import errno
import fcntl
import os
import shutil
import tempfile
import time

from ansible_collections.certfleet.pki.plugins.module_utils._errors import CertfleetError
from ansible_collections.certfleet.pki.plugins.module_utils._files import errors_name, read_text

DEFAULT_CERTIFICATES_DIR = "/etc/certfleet/certs"
DEFAULT_STAGING_DIR = "/etc/certfleet/staging"
# Versions kept per certificate (at least 2, so that a rollback stays possible).
DEFAULT_KEEP_VERSIONS = 3
# Seconds after which a staged key is taken as left behind by an interrupted run.
DEFAULT_STAGING_MAX_AGE = 3600

CURRENT = "current"
HISTORY = ".history"
LOCK = ".lock"
STAGING_PREFIX = ".staging-"
CERTIFICATE, CHAIN, FULLCHAIN, KEY, PKCS12 = "cert.pem", "chain.pem", "fullchain.pem", "key.pem", "cert.p12"
# Where a delivered certificate came from (a Secrets Manager version id): the next run
# fetches only when the source has moved on.
ORIGIN = "origin"
PEM_FILES = (CERTIFICATE, CHAIN, FULLCHAIN, KEY)
SECRET_FILES = (KEY, PKCS12)
STAGED_KEY_SUFFIX = ".key.pem"


class StoreError(CertfleetError):
    pass


def certificate_dir(name, certificates_dir=None):
    return os.path.join(certificates_dir or DEFAULT_CERTIFICATES_DIR, name)


def certificate_paths(directory):
    """Where a service finds the current certificate of the store at ``directory``."""
    current = os.path.join(directory, CURRENT)
    return {"dir": directory, "certificate": os.path.join(current, CERTIFICATE), "chain": os.path.join(current, CHAIN),
            "fullchain": os.path.join(current, FULLCHAIN), "key": os.path.join(current, KEY),
            "pkcs12": os.path.join(current, PKCS12)}


def staging_dir(name, staging_root=None):
    return os.path.join(staging_root or DEFAULT_STAGING_DIR, name)


def staged_key_path(name, run_id, staging_root=None):
    """The key one run generates for ``name``: two runs at once never share one."""
    return os.path.join(staging_dir(name, staging_root), run_id + STAGED_KEY_SUFFIX)


def left_behind_keys(directories, max_age, now):
    """Files in these staging directories older than ``max_age`` seconds: what an
    interrupted run left (a run in progress is younger)."""
    found = []
    for directory in directories:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in entries:
            path = os.path.join(directory, entry)
            if os.path.isfile(path) and now - os.path.getmtime(path) > max_age:
                found.append(path)
    return sorted(found)


def fsync_path(path):
    """Flush a file's or a directory's entries to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_file(path, content, mode):
    """A new file, flushed to disk, with ``mode`` whatever the umask."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, mode)


def write_secret_file(path, content):
    """A key file: 0600 in a 0700 directory (made when missing), complete before it appears."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    temporary = os.path.join(directory, ".%s.%d" % (os.path.basename(path), os.getpid()))
    if os.path.lexists(temporary):
        os.remove(temporary)  # left by a killed run that had this process id
    try:
        with errors_name(path):  # the key the user knows, not its temporary name
            write_file(temporary, content, 0o600)
        os.rename(temporary, path)
    except Exception:
        if os.path.lexists(temporary):
            os.remove(temporary)
        raise


class StoreLock:
    """An exclusive lock on <dir>/.lock for one module run; remembers how long it waited."""

    def __init__(self, directory):
        self.path = os.path.join(directory, LOCK)
        self.handle = None
        self.waited = 0.0

    def __enter__(self):
        self.handle = open(self.path, "a")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            started = time.monotonic()
            fcntl.flock(self.handle, fcntl.LOCK_EX)
            self.waited = time.monotonic() - started
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class CertificateStore:
    """The versions of one certificate and its ``current`` link."""

    def __init__(self, directory):
        self.directory = directory
        self.paths = certificate_paths(directory)

    def versions(self):
        """Version directories, oldest first (names sort by time)."""
        try:
            names = os.listdir(self.directory)
        except FileNotFoundError:
            return []
        return sorted(name for name in names if not name.startswith(".") and name != CURRENT
                      and os.path.isdir(os.path.join(self.directory, name)))

    def active_version(self):
        try:
            return os.path.basename(os.readlink(os.path.join(self.directory, CURRENT)))
        except OSError:
            return None

    def read(self, version, filename):
        """A file's text in ``version`` (None when missing)."""
        return read_text(os.path.join(self.directory, version, filename))

    def read_current(self, filename):
        return read_text(os.path.join(self.directory, CURRENT, filename))

    def has(self, version, filename):
        return os.path.exists(os.path.join(self.directory, version, filename))

    def lock(self):
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, 0o755)
        return StoreLock(self.directory)

    def add_version(self, files, label, set_attributes, shared_with_group):
        """Write ``files`` (name -> bytes) as a new version named by the time and ``label``,
        complete and flushed before it appears under its name. ``set_attributes(path)`` gives
        each file and the directory their owner, group and SELinux context."""
        name = "%s-%s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ"), label)
        self.remove_interrupted()
        staging = tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.directory)
        try:
            for filename, content in files.items():
                secret_mode = 0o640 if shared_with_group else 0o600
                target = os.path.join(staging, filename)
                with errors_name(target):
                    write_file(target, content, secret_mode if filename in SECRET_FILES else 0o644)
                set_attributes(target)
            os.chmod(staging, 0o750 if shared_with_group else 0o700)
            set_attributes(staging)
            fsync_path(staging)
            os.rename(staging, os.path.join(self.directory, name))
        except Exception:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return name

    def remove_interrupted(self):
        """Staging directories left by an interrupted run are never a version."""
        for name in os.listdir(self.directory):
            if name.startswith(STAGING_PREFIX):
                shutil.rmtree(os.path.join(self.directory, name), ignore_errors=True)

    def switch(self, version):
        """Point ``current`` at ``version`` with one rename: readers never see it missing."""
        temporary = os.path.join(self.directory, ".%s.%d" % (CURRENT, os.getpid()))
        if os.path.lexists(temporary):
            os.remove(temporary)
        os.symlink(version, temporary)
        os.rename(temporary, os.path.join(self.directory, CURRENT))
        fsync_path(self.directory)

    def history(self):
        text = read_text(os.path.join(self.directory, HISTORY)) or ""
        return [line for line in text.splitlines() if line]

    def write_history(self, history):
        """Replace the history atomically with the versions that still exist."""
        existing = set(self.versions())
        kept = [version for version in history if version in existing]
        temporary = os.path.join(self.directory, ".%s.%d" % (HISTORY, os.getpid()))
        with errors_name(temporary), open(temporary, "w") as handle:
            handle.write("".join(version + "\n" for version in kept))
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temporary, os.path.join(self.directory, HISTORY))

    def make_current(self, version, keep):
        """Switch to a newly added ``version``, record it and prune to ``keep`` versions (the
        new one and the one it replaces always stay). Returns the pruned versions."""
        previous = self.active_version()
        history = self.history() or ([previous] if previous else [])
        self.switch(version)
        removed = self.prune(keep, [version, previous] if previous else [version])
        self.write_history(history + [version])
        return removed

    def prune(self, keep, keep_also):
        old = [version for version in self.versions() if version not in keep_also]
        removed = old[:max(0, len(old) - (keep - len(keep_also)))]
        for version in removed:
            shutil.rmtree(os.path.join(self.directory, version))
        return removed

    def rollback_target(self):
        """(version current before the current one, history after the rollback): the history
        without its trailing current entries; installs older than the history fall back to
        the name order."""
        current = self.active_version()
        existing = self.versions()
        history = self.history()
        while history and history[-1] == current:
            history.pop()
        history = [version for version in history if version in existing]
        if history:
            return history[-1], history
        if current in existing and existing.index(current) > 0:
            return existing[existing.index(current) - 1], []
        raise StoreError("no version before %s to roll back to in %s" % (current, self.directory))

    def roll_back(self, target, history):
        self.switch(target)
        self.write_history(history or [target])
