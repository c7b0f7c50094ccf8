"""OpenAPI details drf-spectacular cannot infer: the API-key scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """So that the schema and Swagger UI's 'Authorize' box offer the EPJ systems' keys."""

    target_class = "registry.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "rp_<prefix>_<secret>",
            "description": (
                "An EPJ system's API key, created with `manage.py create_api_client`. "
                "The system sees what its organisation may see."
            ),
        }

