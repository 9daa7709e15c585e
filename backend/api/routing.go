package api

// routingRoutes is the management API of the router core: providers, accounts, combos, keys, usage.
func (s *Server) routingRoutes() []Route { return nil }
