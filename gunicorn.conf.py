"""gunicorn settings, read automatically from the working directory (/app in the image).

gunicorn can limit a request's line and headers, but not its body: the reverse proxy in
front caps the body (README, "Production": e.g. nginx `client_max_body_size`). The app
itself refuses an evidence upload whose Content-Length is over EVIDENCE_MAX_UPLOAD_MB with
413 before reading it, and Django refuses other form data over DATA_UPLOAD_MAX_MEMORY_SIZE.
"""

# Request line (method, path and query string) and headers: gunicorn answers 400 beyond.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
