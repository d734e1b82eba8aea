import AmbientCLI

// Classical commands run here without loading libtorch; learned-prior commands go to `ambient-ml`.
AmbientMain.run(commands: AmbientMain.classicalCommands, handsOffML: true)
