import ArgumentParser
import Foundation
import LMConv

// Small helpers the commands share: option checks, errors in the context of an option, pixels and orders.

extension Normalization: ExpressibleByArgument {}

/// The option naming an output file: checked before any long computation, written atomically at the end.
func checkOutputFile(_ path: String, option: String = "--output") throws {
    let url = URL(fileURLWithPath: path)
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw LMConvError.invalidOption(name: option, value: path, reason: "is a directory, expected a file name")
    }
    let parent = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw LMConvError.invalidOption(name: option, value: path, reason: "the directory \(parent) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: parent) else {
        throw LMConvError.invalidOption(name: option, value: path, reason: "the directory \(parent) is not writable")
    }
}

/// Validates a list of order names for `option`.
func validateOrderNames(_ names: [String], option: String = "--order") throws {
    for name in names where !GenerationOrder.names.contains(name) {
        throw ValidationError("\(option): unknown generation order \"\(name)\" (valid: "
            + GenerationOrder.names.joined(separator: ", ") + ")")
    }
}

/// Runs `body`, putting an ``LMConvError`` in the context of the option it concerns ("--data: ...").
func forOption<T>(_ option: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as LMConvError { throw LMConvError.context(option, underlying: error) }
}

/// Display pixels (N, C, H, W) of network values.
func displayPixels(_ values: Tensor, configuration cfg: ModelConfiguration) -> [UInt8] {
    Preprocessing.toDisplay(values.scalars, nBits: cfg.displayBits)
}

/// `--indices 0,5,7` as integers.
func parseIndices(_ text: String) throws -> [Int] {
    try text.split(separator: ",").map {
        guard let i = Int($0.trimmingCharacters(in: .whitespaces)), i >= 0 else {
            throw ValidationError("--indices: \"\($0)\" is not an image index (expected e.g. 0,5,7)")
        }
        return i
    }
}

/// The order `--order NAME --variant I` picks for a checkpoint: variant I of the named (or the checkpoint's first)
/// base order, with the checkpoint's base-order options.
/// The order is made for images of `height` x `width`.
func chosenOrder(_ checkpoint: Checkpoint, name: String?, variant: Int, height: Int, width: Int) throws
    -> (GenerationOrder, String)
{
    var spec = checkpoint.orders
    spec.names = [name ?? spec.names[0]]
    spec.selection = nil   // a variant of one base order: the checkpoint's selection from its list does not apply
    let orders = try forOption("--order") { try spec.orders(height: height, width: width, variantsPerBase: variant + 1) }
    return (orders[variant], spec.orderNames(variantsPerBase: variant + 1)[variant])
}
