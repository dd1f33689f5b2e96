import ArgumentParser
import LMConv

/// How `evaluate --region` and `complete` condition a region on the rest, and which of the checkpoint's orders
/// they use: the reference's protocol by default (`main.py --test_region custom --test_masks I J`).
struct RegionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("How the rest conditions the region: 'reference' (each order's own masks, the order "
                               + "generating the region last, as the paper's code) or 'observed' (every other pixel "
                               + "marked observed in the masks).", valueName: "reference|observed"))
    var context: ContextProtocol = .reference

    @Option(help: ArgumentHelp("Orders by index into the checkpoint's list (as the reference's --test_masks), e.g. "
                               + "1,3. Default: the orders that generate the region last.", valueName: "I,J,..."))
    var orderIndices: String?

    @Flag(help: ArgumentHelp("Let an order given by --order-indices that does not generate the region last have the "
                             + "region moved to its end instead of refusing it."))
    var moveRegionLast = false

    func validate() throws {
        if let orderIndices, parsedIndices(orderIndices) == nil {
            throw ValidationError("--order-indices must be a comma-separated list of indices, got \(orderIndices)")
        }
    }

    func parsedIndices(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    /// The orders (and their names) a region under this protocol uses, every one generating the region last, and a
    /// note to print when orders were moved or picked.
    func orders(_ all: [GenerationOrder], names: [String], region: [Bool]) throws
        -> (orders: [GenerationOrder], names: [String], note: String?)
    {
        var picked = Array(all.indices)
        if let orderIndices, let indices = parsedIndices(orderIndices) {
            if let bad = indices.first(where: { $0 >= all.count }) {
                throw LMConvError.invalidOption(name: "--order-indices", reason: "index \(bad) is outside the \(all.count) orders (0...\(all.count - 1))")
            }
            picked = indices
            if !moveRegionLast, let i = indices.first(where: { !all[$0].generatesLast(region) }) {
                throw LMConvError.invalidOption(name: "--order-indices", reason: "order \(i) (\(names[i])) does not generate the region last; "
                    + "pass --move-region-last to move the region to its end")
            }
        } else if context == .reference {
            let last = all.indices.filter { all[$0].generatesLast(region) }
            if !last.isEmpty {
                let note = last.count == all.count ? nil
                    : "using the \(last.count) of \(all.count) orders that generate the region last: "
                        + last.map { "\($0) (\(names[$0]))" }.joined(separator: ", ")
                return (last.map { all[$0] }, last.map { names[$0] }, note)
            }
        }
        let moved = picked.filter { !all[$0].generatesLast(region) }
        let orders = try picked.map { try orderGeneratingLast(region, basedOn: all[$0]) }
        let note = moved.isEmpty ? nil
            : "no order given generates the region last: moved the region to the end of "
                + (moved.count == picked.count ? "every order" : moved.map { names[$0] }.joined(separator: ", "))
        return (orders, picked.map { names[$0] }, note)
    }
}

extension ContextProtocol: ExpressibleByArgument {}
