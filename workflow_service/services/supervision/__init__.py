"""Supervision: the audit trail read back for administrators, searched by supervisors, its hash chain verified."""
