// AmbientRecon
