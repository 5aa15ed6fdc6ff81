"""Registration and 受理: cases and applicants, numbers, duplicates, drafts, acceptance decisions,
query passwords, fees."""
