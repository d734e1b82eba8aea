import AmbientCLI
import AmbientTorch

// Every command, the learned-prior ones included (`ambient` hands those over to this executable).
AmbientMain.run(commands: AmbientMain.classicalCommands + learnedPriorCommands, handsOffML: false,
                setThreads: { Torch.threads = $0 })
