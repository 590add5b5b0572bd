"""Foreign formats to and from domain objects. No Qt here."""
