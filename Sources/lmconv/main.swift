import ArgumentParser
import LMConv

struct LMConvTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lmconv",
        abstract: "Train, evaluate and sample Locally Masked PixelCNNs.",
        subcommands: [ImportCommand.self, BenchCommand.self])
}
keepFreedMemoryForReuse()
LMConvTool.main()
