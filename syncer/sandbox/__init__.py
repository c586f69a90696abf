"""Local stand-ins for the cloud APIs syncer talks to.

Each emulator speaks the real wire protocol so that the real client libraries (and syncer's
providers) cannot tell it from the service, as far as syncer uses it. Nothing here imports the
rest of syncer: the sandbox plays the part of Google or Microsoft, not of syncer (an
import-linter contract keeps it that way).
"""
