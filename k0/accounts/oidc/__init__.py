"""City log-in: OpenID Connect single sign-on for staff (see docs/security.md)."""
