"""The OpenAPI document: loaded and checked once, the overlay, and the one openapi-core adapter."""
