import Foundation

// The reference's `--sample_region random_near_center` (main.py's sample()): a box of the sample size (default
// 16x16) whose top-left corner is the image centre moved by a random offset in [-H/4, H/4) rows and [-W/4, W/4)
// columns (Python's floor division on both bounds), clipped to the image (the reference's box may reach outside it;
// those coordinates are never generated).

/// The default box of `random_near_center`: the reference's `--sample_size_h` and `--sample_size_w`.
public let randomNearCenterDefaultSize = (rows: 16, cols: 16)

/// A `boxRows` x `boxCols` box near the centre of an H x W image, placed by `rng` as the reference places it.
public func randomNearCenterRegion(height: Int, width: Int, boxRows: Int = randomNearCenterDefaultSize.rows,
                                   boxCols: Int = randomNearCenterDefaultSize.cols,
                                   rng: inout Xoshiro256) -> [Bool] {
    precondition(height > 0 && width > 0 && boxRows > 0 && boxCols > 0, "sizes must be positive")
    /// A uniform integer in floor(-n/4) ..< floor(n/4), as `np.random.randint(-n // 4, n // 4)`; 0 when that is empty.
    func offset(_ n: Int) -> Int {
        let low = -((n + 3) / 4), high = n / 4
        guard high > low else { return 0 }
        return low + Int(rng.next(upperBound: UInt64(high - low)))
    }
    let top = height / 2 + offset(height), left = width / 2 + offset(width)
    var region = [Bool](repeating: false, count: height * width)
    for r in max(top, 0)..<max(min(top + boxRows, height), max(top, 0)) {
        for c in max(left, 0)..<max(min(left + boxCols, width), max(left, 0)) { region[r * width + c] = true }
    }
    return region
}

/// `random_near_center` or `random_near_center:RxC` (the box size) as a region drawn from `seed`; nil when `spec`
/// is something else.
func parseRandomNearCenter(_ spec: String, height: Int, width: Int, seed: UInt64) throws -> [Bool]? {
    let text = spec.trimmingCharacters(in: .whitespaces).lowercased()
    let name = "random_near_center"
    guard text.hasPrefix(name) else { return nil }
    var size = randomNearCenterDefaultSize
    let rest = text.dropFirst(name.count)
    if !rest.isEmpty {
        let parts = rest.hasPrefix(":") ? rest.dropFirst().split(separator: "x", omittingEmptySubsequences: false) : []
        guard parts.count == 2, let r = Int(parts[0]), let c = Int(parts[1]), r > 0, c > 0 else {
            throw LMConvError.invalidArgument(reason: "region \"\(spec)\": expected \(name) or \(name):RxC with a box "
                                              + "of R rows and C columns, e.g. \(name):16x16")
        }
        size = (r, c)
    }
    var rng = Xoshiro256(seed: seed)
    let region = randomNearCenterRegion(height: height, width: width, boxRows: size.rows, boxCols: size.cols, rng: &rng)
    guard region.contains(true) else {
        throw LMConvError.invalidArgument(reason: "region \"\(spec)\" holds no pixel of the \(height)x\(width) image")
    }
    return region
}
