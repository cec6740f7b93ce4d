"""Uploaded documents: checking their content and storing them."""
