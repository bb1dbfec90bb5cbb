"""The validating admission webhook: AdmissionReview in, allow / deny / warn out.

It judges each object with the scan pipeline (`stockade.scan.scan_inventory`), so CI and
admission agree on the same objects and config. Modules: `review` (the JSON contract),
`policy` (mode, threshold, exemptions), `judge` (the decision), `app` (HTTP), `server`
(uvicorn, TLS), `reload` (certificate and config hot reload), `namespaces` (per-namespace modes),
`metrics`, `logs`, `certs`, `manifests`.
"""
