"""Helpers of the calendar feed tests: the ICAL.js harness and a community scenario."""
