"""The admin config: YAML file -> validated, typed `SyncerConfig`; problems name key path and line.

Public API: `load_config`, `check_config`, `json_schema`, `SyncerConfig`. Regenerate the schema
file with `python -m syncer.config > config/schema.json`.
"""

from syncer.config.load import check_config, check_text, config_env, default_data_dir, load_config
from syncer.config.schema import SyncerConfig, json_schema
from syncer.config.sections import AgendaSection

__all__ = [
    "AgendaSection",
    "SyncerConfig",
    "check_config",
    "check_text",
    "config_env",
    "default_data_dir",
    "json_schema",
    "load_config",
]
