"""What the applicant is told: the PDF page layout, the notices, a case's outcome, the public look-up."""
