"""The PySide6 desktop interface: windows and views over one Collection."""
