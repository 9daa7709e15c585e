package api

// toolRoutes is the management API of the CLI tool auto-config.
func (s *Server) toolRoutes() []Route { return nil }
