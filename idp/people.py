"""The demo provider's people. ``sub`` is what the service stores in its OidcLink;
xiaoming's is linked to the service's demo volunteer by ``manage.py sso_demo_link``;
xinren has no account at the service, so signing in takes her to registration."""

PASSWORD = "demo12345"
PEOPLE = {
    "xiaoming": {"sub": "yht-000001", "name": "张小明", "phone_number": "13800138000"},
    "xinren": {"sub": "yht-000002", "name": "李新人", "phone_number": "13900139000"},
}
CLIENT_ID = "card-service-demo"
CLIENT_SECRET = "demo-client-secret-not-for-production"
