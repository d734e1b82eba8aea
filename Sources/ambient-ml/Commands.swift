import AmbientCLI

/// The commands that need the network (one file each in this folder).
let learnedPriorCommands: [Command.Type] = [
    PretrainCommand.self,
    FinetuneCommand.self,
    SampleCommand.self,
    AverageCommand.self,
    BenchMLCommand.self,
]
