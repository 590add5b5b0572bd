"""Pure domain logic: no Qt, no SQL."""
