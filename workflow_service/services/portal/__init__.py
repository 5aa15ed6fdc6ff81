"""The portal's door out (and, on its other branch, in): API clients, the outbox of case events, webhooks."""
