"""Calendar v3: events (list, get, insert, patch, update, delete, instances, watch),
channels.stop and freeBusy.query, with organiser and attendee copies of each meeting."""
