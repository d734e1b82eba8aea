// AmbientDiffusion
