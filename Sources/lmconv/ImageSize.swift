/// `HxW` (e.g. `28x28`) as (rows, cols): both positive and at most 65536 pixels in all; nil otherwise. The one parser
/// of every command's `--size`.
func parseImageSize(_ text: String) -> (height: Int, width: Int)? {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h >= 1, w >= 1, h * w <= 1 << 16 else {
        return nil
    }
    return (h, w)
}

/// The message for a `--size` that does not parse.
func imageSizeError(_ text: String) -> String {
    "--size must be ROWSxCOLS with positive sizes and at most 65536 pixels, got \(text)"
}
