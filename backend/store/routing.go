package store

// routingMigrations belongs to the router core (providers, accounts, combos, client keys, usage, pricing).
func routingMigrations() []Migration { return nil }
