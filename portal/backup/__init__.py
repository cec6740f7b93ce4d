"""Backups: `flask backup create --to DIR`, `backup verify DIR`, `backup restore DIR --into`.

services.py makes, checks and restores a backup; database.py copies the database (SQLite's
online backup API, or pg_dump); commands.py is the command line.
"""
