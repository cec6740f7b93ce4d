"""After filing: the office's statuses, its notifications, deadlines and the calendar feed."""
