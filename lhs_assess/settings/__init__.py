"""Settings: base (shared), local (zero-setup default), test, production."""
