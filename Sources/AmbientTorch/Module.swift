// AmbientTorch
