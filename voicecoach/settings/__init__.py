"""Every option dataclass, overridable from the TOML config file and checked."""
