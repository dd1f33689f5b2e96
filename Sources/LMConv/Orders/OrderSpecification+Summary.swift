extension OrderSpecification {
    /// A compact one-line rendering, e.g. `s_curve x8`, `raster_scan, s_curve (base transposed)` or
    /// `s_curve x8, order_variants 1 3`.
    public var shortDescription: String {
        var text = names.joined(separator: ", ") + (variants == 1 ? "" : " x\(variants)")
        let base = [baseTranspose ? "transposed" : nil, baseReflectRows ? "rows reflected" : nil,
                    baseReflectCols ? "cols reflected" : nil].compactMap { $0 }
        if !base.isEmpty { text += " (base " + base.joined(separator: ", ") + ")" }
        if let selection { text += ", order_variants " + selection.map(String.init).joined(separator: " ") }
        return text
    }
}
