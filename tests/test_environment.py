"""record_environment: the versions behind a run, as the report shows them."""

from __future__ import annotations

from importlib.metadata import version

from hooke.environment import PACKAGES, environment


def test_environment_names_every_package_with_its_installed_version():
    frame = environment()
    versions = dict(zip(frame.component, frame.version, strict=True))
    assert {"python", "platform", *PACKAGES} == set(versions)
    assert versions["torch"] == version("torch")
    assert versions["transformers"] == version("transformers")
    assert all(v and v != "not installed" for v in versions.values())
