// The run loop of the incremental machinery: one location for every layer (a step), or every observed location
// layer by layer (a prefill), and the kept feature maps' reading and writing. Each layer's arithmetic is its own
// step function (LocallyMaskedConv2d.step, GatedResnet.stepHidden / stepGate, normalizationStep,
// NetworkInNetwork.step); this file only moves features between them and the maps.
// Legend: see IncrementalNetwork.swift.

extension IncrementalNetwork {
    // MARK: - The image

    /// Sets sub-pixel c of image b at location q (a value in [-1, 1]) in x1, the first layer's input. A location's
    /// pixel must be set before that location is stepped; later layers read it only through the features.
    @inline(__always)
    func setPixel(_ value: Float, image b: Int, channel c: Int, at q: Int) {
        let C = configuration.channels
        maps[0][(q * (C + 1) + c) * batch + b] = value
    }

    /// Fills x1 from images (B, C, H, W) and its channel of ones.
    func setImages(_ x: Tensor) {
        let C = configuration.channels, B = batch, HW = height * width, x1 = maps[0]
        for q in 0..<HW { for b in 0..<B {
            for c in 0..<C { x1[(q * (C + 1) + c) * B + b] = x.scalars[(b * C + c) * HW + q] }
            x1[(q * (C + 1) + C) * B + b] = 1
        } }
    }

    // MARK: - Steps

    /// Every layer at q for every image, then the output parameters into `parameters` (OC, B). Parallelises over
    /// the thread budget (image chunks or GEMM row parts); call it from outside any parallel region.
    func step(_ q: Int, parameters: UnsafeMutablePointer<Float>) {
        let chunks = batchChunks, B = batch
        if chunks == 1 {
            step(q, b0: 0, nb: B, scratch: scratch[0], parameters: parameters,
                 rowChunks: threading == .rowChunks ? Self.rowChunks : 1)
        } else {
            let threads = min(scratch.count, chunks)
            parallelRegion(threads) { t in
                for chunk in stride(from: t, to: chunks, by: threads) {
                    let b0 = B * chunk / chunks, b1 = B * (chunk + 1) / chunks
                    step(q, b0: b0, nb: b1 - b0, scratch: scratch[t], parameters: parameters, rowChunks: 1)
                }
            }
        }
    }

    /// Every layer at q for images b0..<b0+nb, then their output parameters into `parameters` (OC, B).
    func step(_ q: Int, b0: Int, nb: Int, scratch s: FeatureScratch, parameters: UnsafeMutablePointer<Float>,
              rowChunks: Int) {
        for (index, stage) in stages.enumerated() {
            let (w, _, mask) = stage.convolution
            LocallyMaskedConv2d.step(w, taps: tables[mask.rawValue], at: q, input: maps[stageInputs[index]],
                                     batch: batch, b0: b0, nb: nb, into: convolutionBlock(stage, s),
                                     columns: s.columns, rowChunks: rowChunks, arithmetic: arithmetic)
            finish(stage, at: q, b0: b0, nb: nb, scratch: s)
        }
        // out = nin_out(elu(u)) at q.
        let u = s.first
        readValue(finalValue, at: q, b0: b0, nb: nb, into: u)
        for i in 0..<(filters * nb) { u[i] = fastELU(u[i]) }
        NetworkInNetwork.step(output, input: u, nb: nb, into: parameters + b0, ldy: batch, arithmetic: arithmetic)
    }

    /// Computes every layer's features at the observed locations, layer by layer (each layer over all of them
    /// before the next, since an observed location may read observed neighbours later in the order).
    ///
    /// Locations go in tiles of ``prefillTile``: one GEMM per tile and layer over all its locations and images (the
    /// weights read once per tile, as a forward pass reads them once per batch), then the per-location rest. Tiles
    /// are spread over the thread budget; each is computed the same way on any number of threads.
    func prefill(_ locations: [Int]) {
        let tiles = stride(from: 0, to: locations.count, by: Self.prefillTile).map {
            Array(locations[$0..<min($0 + Self.prefillTile, locations.count)])
        }
        let threads = min(scratch.count, tiles.count)
        let N = Self.prefillTile * batch
        let maxOutputs = 2 * filters
        let maxColumns = stages.map { $0.convolution.weights.taps * $0.convolution.weights.inputChannels }.max() ?? 0
        let buffers = (0..<threads).map { _ in
            (columns: UnsafeMutablePointer<Float>.allocate(capacity: maxColumns * N),
             output: UnsafeMutablePointer<Float>.allocate(capacity: maxOutputs * N))
        }
        defer { for b in buffers { b.columns.deallocate(); b.output.deallocate() } }
        for (index, stage) in stages.enumerated() {
            let (w, _, mask) = stage.convolution
            parallelRegion(threads) { chunk in
                let s = scratch[chunk], (columns, output) = buffers[chunk]
                for t in stride(from: chunk, to: tiles.count, by: threads) {
                    let tile = tiles[t], n = tile.count * batch
                    LocallyMaskedConv2d.step(w, taps: tables[mask.rawValue], tile: tile, input: maps[stageInputs[index]],
                                             batch: batch, into: output, columns: columns, arithmetic: arithmetic)
                    let block = convolutionBlock(stage, s)
                    for (l, q) in tile.enumerated() {
                        for o in 0..<w.outputChannels {
                            (block + o * batch).update(from: output + o * n + l * batch, count: batch)
                        }
                        finish(stage, at: q, b0: 0, nb: batch, scratch: s)
                    }
                }
            }
        }
    }

    /// Where ``finish(_:at:b0:nb:scratch:)`` expects the stage's convolution output (OC, nb).
    @inline(__always)
    func convolutionBlock(_ stage: Stage, _ s: FeatureScratch) -> UnsafeMutablePointer<Float> {
        if case .resnetOutput = stage { return s.second }
        return s.first
    }

    /// The rest of a stage at q once its convolution's output is in ``convolutionBlock(_:_:)``.
    func finish(_ stage: Stage, at q: Int, b0: Int, nb: Int, scratch s: FeatureScratch) {
        let F = filters, normalization = configuration.normalization
        switch stage {
        case .convolution(let w, _, _, let normalizationMask, let output):
            normalizationStep(normalization, s.first, channels: w.outputChannels, nb: nb,
                              inverseCount: tables[normalizationMask.rawValue].inverseCount[q],
                              statistics: s.statistics)
            writeValue(output, at: q, b0: b0, nb: nb, from: s.first)

        case .resnetInput(let w, _, let skip, let hidden):
            if let skip { readConcatELU(skip, at: q, b0: b0, nb: nb, into: s.second) }
            GatedResnet.stepHidden(w, s.first, skipConcatELU: skip == nil ? nil : UnsafePointer(s.second),
                                   filters: F, nb: nb, normalization: normalization,
                                   inverseCount: tables[MaskKind.undilated.rawValue].inverseCount[q],
                                   statistics: s.statistics, term: s.third, arithmetic: arithmetic)
            writeConcatELU(s.first, toMap: hidden, at: q, b0: b0, nb: nb)

        case .resnetOutput(_, let og, let output):
            readValue(og, at: q, b0: b0, nb: nb, into: s.first)
            GatedResnet.stepGate(s.second, output: s.first, filters: F, nb: nb, normalization: normalization,
                                 inverseCount: tables[MaskKind.undilated.rawValue].inverseCount[q],
                                 statistics: s.statistics, arithmetic: arithmetic)
            writeValue(output, at: q, b0: b0, nb: nb, from: s.first)
        }
    }

    // MARK: - The kept feature maps

    /// u (F, nb) at q from its slot; from concat_elu(u) exactly: u = elu(u) where that is > 0, else -elu(-u).
    @inline(__always)
    func readValue(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, into u: UnsafeMutablePointer<Float>) {
        let F = filters, B = batch
        if slot.concatELU {
            let base = maps[slot.map] + q * 2 * F * B + b0
            for c in 0..<F {
                let positive = base + c * B, negative = base + (F + c) * B
                let to = u + c * nb
                for i in 0..<nb {
                    let p = positive[i], n = negative[i]   // both loaded: a select, not a branch
                    to[i] = p > 0 ? p : -n
                }
            }
        } else {
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F { copyShortRun(to: u + c * nb, from: base + c * B, count: nb) }
        }
    }

    /// concat_elu(u) (2F, nb) at q from its slot.
    @inline(__always)
    func readConcatELU(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, into y: UnsafeMutablePointer<Float>) {
        let F = filters, B = batch
        if slot.concatELU {
            let base = maps[slot.map] + q * 2 * F * B + b0
            for c in 0..<(2 * F) { copyShortRun(to: y + c * nb, from: base + c * B, count: nb) }
        } else {
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F {
                let from = base + c * B, positive = y + c * nb, negative = y + (F + c) * nb
                for i in 0..<nb { (positive[i], negative[i]) = concatELUPair(from[i]) }
            }
        }
    }

    /// Stores u (F, nb) at q in the form its slot keeps.
    @inline(__always)
    func writeValue(_ slot: ValueSlot, at q: Int, b0: Int, nb: Int, from u: UnsafeMutablePointer<Float>) {
        if slot.concatELU {
            writeConcatELU(u, toMap: slot.map, at: q, b0: b0, nb: nb)
        } else {
            let F = filters, B = batch
            let base = maps[slot.map] + q * F * B + b0
            for c in 0..<F { copyShortRun(to: base + c * B, from: u + c * nb, count: nb) }
        }
    }

    /// Stores concat_elu(u) (2F channels) of u (F, nb) at q in a map.
    @inline(__always)
    func writeConcatELU(_ u: UnsafeMutablePointer<Float>, toMap map: Int, at q: Int, b0: Int, nb: Int) {
        let F = filters, B = batch
        let base = maps[map] + q * 2 * F * B + b0
        for c in 0..<F {
            let from = u + c * nb, positive = base + c * B, negative = base + (F + c) * B
            for i in 0..<nb { (positive[i], negative[i]) = concatELUPair(from[i]) }
        }
    }
}
