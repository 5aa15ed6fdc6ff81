"""Supervision: the audit trail read back, searched by supervisors, and its hash chain verified."""
