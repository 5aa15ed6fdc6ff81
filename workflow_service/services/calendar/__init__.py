"""Working days: the holiday table, deadline arithmetic and the case clock."""
