"""The card browser: search, sidebar, a lazy table and bulk actions."""
