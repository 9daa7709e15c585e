package cli

// toolCommands are the CLI tool auto-config's subcommands: tool.
func toolCommands() []command { return nil }
