"""Rights at the office: the numbers it gives, and looking a right up by its number."""
