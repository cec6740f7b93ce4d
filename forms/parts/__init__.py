"""Sub-forms shared by several application and request forms."""
