"""`python -m syncer.config > config/schema.json`: print the config's JSON Schema."""

import json

from syncer.config import json_schema

if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2))
