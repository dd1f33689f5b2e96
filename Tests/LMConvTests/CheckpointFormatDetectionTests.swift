import Foundation
import LMConv
import TestSupport
import XCTest

/// `Checkpoint.load` tells safetensors from PyTorch files by their first bytes, whatever a safetensors header's
/// length happens to be.
final class CheckpointFormatDetectionTests: XCTestCase {
    /// A safetensors checkpoint whose header length starts with the byte of a pickle's PROTO opcode (0x80) or with
    /// "PK" loads as safetensors (it was once taken for a legacy PyTorch file: "unsupported pickle protocol").
    func testHeaderLengthThatLooksLikeATorchFile() throws {
        let cfg = ModelConfiguration(filters: 2, resnets: 0)
        let model = try LocallyMaskedPixelCNN(configuration: cfg)
        let checkpoint = Checkpoint(configuration: cfg, orders: OrderSpecification(), weights: model.namedWeights())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("detection-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("plain.safetensors")
        try checkpoint.write(to: plain)
        let file = try SafetensorsFile.read(contentsOf: plain)
        for (label, first) in [("0x80 0x02", [UInt8]([0x80, 0x02])), ("PK", [0x50, 0x4B])] {
            // Pad the metadata so that the header length's two low bytes are `first` (the header itself is padded
            // to a multiple of 8, which both targets are): a padding of n spaces lengthens it by about n bytes.
            func serialized(padding: Int) -> [UInt8] {
                var metadata = file.metadata
                metadata["padding"] = String(repeating: " ", count: padding)
                return SafetensorsFile(metadata: metadata, tensors: file.tensors).serialized()
            }
            func headerLength(_ bytes: [UInt8]) -> Int { (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) } }
            let base = headerLength(serialized(padding: 0))
            let target = Int(first[0]) | Int(first[1]) << 8
            var wanted = base + 8 + 65536
            wanted -= (wanted - target) % 65536                   // the first length >= base + 8 ending in `first`
            var bytes: [UInt8] = []
            for padding in (wanted - base - 16)...(wanted - base + 16) where padding >= 0 {
                bytes = serialized(padding: padding)
                if Array(bytes.prefix(2)) == first { break }
            }
            XCTAssertEqual(Array(bytes.prefix(2)), first, label)
            let url = directory.appendingPathComponent("\(label).safetensors")
            try Data(bytes).write(to: url)
            let loaded = try Checkpoint.load(contentsOf: url)
            XCTAssertEqual(loaded.configuration, cfg, label)
            XCTAssertEqual(loaded.weights, checkpoint.weights, label)
        }
    }
}
