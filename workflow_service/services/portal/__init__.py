"""The portals' doors: API clients of portals and line systems (tokens, limits, the catalogue's tags),
and the way out: the outbox of case events and its signed webhooks."""
