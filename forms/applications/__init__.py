"""One form class per kind of new application."""
