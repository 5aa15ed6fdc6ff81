"""The service catalogue (实施清单): service items, their materials and every version."""
