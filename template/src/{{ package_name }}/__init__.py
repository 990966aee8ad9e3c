"""The service package; `create_app` and `Settings` are its public entry points."""
