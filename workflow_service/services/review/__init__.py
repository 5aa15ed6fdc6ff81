"""While a case is reviewed: suspension (中止) and reassignment of its tasks."""
