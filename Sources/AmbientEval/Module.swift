// AmbientEval
