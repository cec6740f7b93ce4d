"""Real processes that SIGKILL themselves at named points (see tests/test_crash_points.py)."""
