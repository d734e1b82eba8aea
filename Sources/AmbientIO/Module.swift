// AmbientIO
