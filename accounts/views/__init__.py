"""Web pages of sign-in, sign-out, passwords and two-factor authentication."""
