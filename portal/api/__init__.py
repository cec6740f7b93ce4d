"""The REST API under /api/v1: the back office's contract and filing by API (issue: back office)."""
