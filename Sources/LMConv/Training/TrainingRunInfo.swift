import Foundation

/// What a run directory's `run.json` records besides the checkpoint: the data it trains on and the schedule, so
/// that a resumed run finds the same data (and notices different data) and keeps its schedule.
public struct TrainingRunInfo: Codable, Equatable, Sendable {
    /// The training data as named on the command line (a path or `fashion-mnist`).
    public var data: String
    /// Only the first this many images of ``data`` were used.
    public var dataLimit: Int?
    public var dataImages: Int
    public var dataFingerprint: String
    public var testData: String?
    public var schedule: TrainingSchedule
    /// The checkpoint the run's initial weights came from (``FineTuning``), if any.
    public var initFrom: String?
    /// Whether the run started Adam afresh instead of from ``initFrom``'s optimizer state.
    public var resetOptimizer: Bool?

    public init(data: String, dataLimit: Int? = nil, dataImages: Int, dataFingerprint: String, testData: String?,
                schedule: TrainingSchedule, initFrom: String? = nil, resetOptimizer: Bool? = nil) {
        self.initFrom = initFrom
        self.resetOptimizer = resetOptimizer
        self.data = data
        self.dataLimit = dataLimit
        self.dataImages = dataImages
        self.dataFingerprint = dataFingerprint
        self.testData = testData
        self.schedule = schedule
    }

    enum CodingKeys: String, CodingKey {
        case data, dataLimit = "data_limit", dataImages = "data_images", dataFingerprint = "data_fingerprint", testData = "test_data", schedule
        case initFrom = "init_from", resetOptimizer = "reset_optimizer"
    }

    public static func read(from url: URL) throws -> TrainingRunInfo {
        do { return try JSONDecoder().decode(TrainingRunInfo.self, from: Data(try DataFile.read(url.path))) } catch let e as LMConvError {
            throw e
        } catch {
            throw LMConvError.corruptFile(source: url.path, reason: "not a valid run description (\(error))")
        }
    }

    public func write(to url: URL) throws {
        try AtomicFile.write(try JSONWriter.bytes(self, pretty: true) + [10], to: url.path)
    }
}
