import AmbientCLI
import AmbientTorch

// Every command, the learned-prior ones included (`ambient` hands those over to this executable).
ReconSettings.learnedReconstructor = { try PosteriorReconstructor(settings: $0) }
AmbientMain.run(commands: AmbientMain.classicalCommands + learnedPriorCommands, handsOffML: false,
                setThreads: { Torch.threads = $0 })
