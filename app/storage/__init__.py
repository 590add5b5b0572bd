"""SQLite storage: tables, migrations and the Collection facade. No Qt here."""
