"""ID-porten's claims in the id_token: pid (the identity number), acr (the level), and the
name under the profile scope."""

from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator

SUBSTANTIAL = "idporten-loa-substantial"


class IdPortenLikeValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "pid": "openid", "acr": "openid"}

    def get_additional_claims(self, request):
        person = settings.PEOPLE.get(request.user.username, {})
        claims = {"acr": person.get("acr", SUBSTANTIAL)}
        for claim in ("pid", "given_name", "family_name", "name"):
            if person.get(claim):
                claims[claim] = person[claim]
        return claims
