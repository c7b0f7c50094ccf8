"""The scope an administrator grants an EPJ system says what it opens: registry:read reads the
organisations, the services and (since the wards became registry data) the wards: "avdelinger",
as the ward model is called in bokmål."""

import pytest
from django.utils import translation

from registry.models import ApiScope


@pytest.mark.parametrize(("language", "label"), [
    ("en", "Read organisations, services and wards"),
    ("nb", "Lese organisasjoner, tilbud og avdelinger"),
])
def test_the_registry_read_scope_names_the_wards_too(language, label):
    with translation.override(language):
        assert str(ApiScope.REGISTRY_READ.label) == label
        assert dict(ApiScope.choices)["registry:read"] == label
