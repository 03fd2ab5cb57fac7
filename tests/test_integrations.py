"""The test extra's integrations work together (tests/integrations.py), with the versions in
the message when they do not."""
from tests import integrations


def test_every_integration_of_the_test_extra_imports_and_runs():
    failures = integrations.check()
    assert not failures, "\n".join(failures) + "\nversions: " + integrations.versions()


def test_a_broken_integration_is_reported_with_the_versions(monkeypatch):
    def broken():
        raise ImportError("cannot import name 'collections_to_dsk' from 'dask.base'")
    monkeypatch.setitem(integrations.CHECKS, "dask.distributed", broken)
    failures = integrations.check()
    assert failures == ["dask.distributed: ImportError: cannot import name 'collections_to_dsk' "
                        "from 'dask.base'"]
    assert "dask==" in integrations.versions() and "numba==" in integrations.versions()

