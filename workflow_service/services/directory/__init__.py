"""Who is who and who may do what: regions, organisations, accounts and their credentials, lockout,
delegations, what a user may see, which organisation works a BPMN lane, the directory's imports."""
