from oauth2_provider.oauth2_validators import OAuth2Validator

from idp.people import PEOPLE


class DemoValidator(OAuth2Validator):
    """Claims of the demo people: a stable ``sub`` (not the database id), name and mobile."""

    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "phone_number": "phone"}

    def get_additional_claims(self, request):
        person = PEOPLE.get(request.user.get_username(), {})
        return {k: v for k, v in person.items()}
