package cli

// routingCommands are the router core's subcommands: provider, combo, key, usage.
func routingCommands() []command { return nil }
