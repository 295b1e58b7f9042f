"""Fixtures of the classifier tests: a tiny token folder built in code (:mod:`style_tokens`)."""

import pytest
from style_tokens import build_token_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A token folder of a few jigs and chorales (:func:`style_tokens.build_token_folder`)."""
    return build_token_folder(tmp_path_factory.mktemp("tokens"))
