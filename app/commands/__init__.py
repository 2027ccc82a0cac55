"""The `paketpilot` subcommands, one module each. They sit above every layer, like app.main."""
