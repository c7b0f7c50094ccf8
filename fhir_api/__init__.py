"""A FHIR R4 (4.0.1) JSON facade at /fhir/r4/: read and search over the same access rules,
services and audit trail as the REST API, and create for Encounter and Communication.

The package is `fhir_api`, not `fhir`: `fhir` is the namespace package of the
fhir.resources library, which a top-level `fhir` app would shadow."""
