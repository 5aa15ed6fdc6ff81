"""What a case hands in: the materials checklist, attachments and the storage of their bytes."""
