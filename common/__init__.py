"""The shared base every app builds on: model bases, the API's error envelope, schema,
serializers and locking, pagination, htmx steps, sweeps, retry queues, idempotency, request
context and security middleware. It imports no app (tests/test_import_direction.py); the
composition root, rehab_portal, sits on top of the apps."""
