"""One module per simulated API; each renders journeys in that API's wire format."""
