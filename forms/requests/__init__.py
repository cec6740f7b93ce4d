"""Post-filing requests: one form per request type (registry.REQUEST_FORMS)."""
