"""Supervision: the audit trail read back for administrators."""
