"""Pure tracking domain: models, statuses, detection, timeline merge. Imports nothing of the app."""
