"""The integration tests run on two workers, a file each at a time (scripts/test.sh): the
longest files start first, so that the workers end together instead of one of them running
the SSM file alone at the end. Only the order changes; a file missing from the list (or a
list gone stale) costs time, never a test. Durations: docs/performance.md."""

LONGEST_FIRST = [
    "lab/test_certificate_role.py",
    "boundary/test_lying_host.py",
    "ssm/test_ssm_run_command.py",
    "lab/test_demo_per_checkout.py",
    "lab/test_fleet_report.py",
    "lab/test_revocation.py",
    "lab/test_trust_boundaries.py",
    "lab/test_web_tls.py",
]


def _rank(item):
    path = item.nodeid.split("::", 1)[0]
    for rank, suffix in enumerate(LONGEST_FIRST):
        if path.endswith(suffix):
            return rank
    return len(LONGEST_FIRST)


def pytest_collection_modifyitems(items):
    items.sort(key=_rank)  # stable: tests keep their order within a file, other files theirs
