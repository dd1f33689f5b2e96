import Foundation
import LMConv
import TestSupport
import XCTest

/// ROC and precision-recall metrics on cases computed by hand (ties included), the AUROC against a brute-force
/// Mann-Whitney count over every positive-negative pair, and its DeLong standard error by hand, against the pairwise
/// definition, and by the coverage of its confidence intervals.
final class AnomalyMetricsTests: XCTestCase {
    func testPerfectSeparation() throws {
        let m = try DetectionMetrics(positives: [3, 4], negatives: [1, 2])
        XCTAssertEqual(m.auroc, 1)
        XCTAssertEqual(m.auprc, 1)
        XCTAssertEqual(m.fprAt95TPR, 0)
        XCTAssertEqual(m.roc.map(\.falsePositiveRate), [0, 0, 0, 0.5, 1])
        XCTAssertEqual(m.roc.map(\.truePositiveRate), [0, 0.5, 1, 1, 1])
    }

    /// Positives scored below every negative: AUROC 0. Thresholds 4, 3 (negatives), 2 (precision 1/3), 1 (2/4):
    /// AP = (1/3 + 1/2) / 2 = 5/12; 95% of the positives only at the last threshold, where FPR is 1.
    func testReversedScores() throws {
        let m = try DetectionMetrics(positives: [1, 2], negatives: [3, 4])
        XCTAssertEqual(m.auroc, 0)
        XCTAssertEqual(m.auprc, 5.0 / 12, accuracy: 1e-15)
        XCTAssertEqual(m.fprAt95TPR, 1)
    }

    /// Every score equal: one threshold; AUROC ½, AP = precision there = 2/5.
    func testAllTied() throws {
        let m = try DetectionMetrics(positives: [1, 1], negatives: [1, 1, 1])
        XCTAssertEqual(m.auroc, 0.5)
        XCTAssertEqual(m.auprc, 0.4, accuracy: 1e-15)
        XCTAssertEqual(m.fprAt95TPR, 1)
        XCTAssertEqual(m.roc.count, 2)   // (0, 0) and (1, 1), joined by the diagonal
    }

    /// Positives 0.9, 0.5, 0.5, 0.1 against negatives 0.5, 0.3, 0.1, 0.1. Pairs won: 4 (0.9) + 2 × 3.5 (0.5: a tie
    /// and three wins) + 1 (0.1: two ties) = 12 of 16. Thresholds: 0.9 (TP 1, FP 0, precision 1), 0.5 (TP 3, FP 1,
    /// precision 3/4, two positives gained), 0.3, 0.1 (TP 4, FP 4, precision 1/2): AP = (1 + 1.5 + 0.5) / 4.
    func testTiesAcrossClasses() throws {
        let m = try DetectionMetrics(positives: [0.9, 0.5, 0.5, 0.1], negatives: [0.5, 0.3, 0.1, 0.1])
        XCTAssertEqual(m.auroc, 0.75)
        XCTAssertEqual(m.auprc, 0.75)
        XCTAssertEqual(m.fprAt95TPR, 1)
        XCTAssertEqual(m.roc.map(\.threshold), [.infinity, 0.9, 0.5, 0.3, 0.1])
        XCTAssertEqual(m.roc.map(\.truePositiveRate), [0, 0.25, 0.75, 0.75, 1])
        XCTAssertEqual(m.roc.map(\.falsePositiveRate), [0, 0, 0.25, 0.5, 1])
    }

    /// 20 positives 2...21 against negatives 1.5, 2.5, 10.5, 30. 19 positives (95%) are reached at threshold 3,
    /// where 2 of 4 negatives are above: FPR 0.5. AUROC: the negatives are beaten by 20, 19, 11 and 0 positives,
    /// 50 of 80 pairs.
    func testFalsePositiveRateAt95PercentTruePositives() throws {
        let m = try DetectionMetrics(positives: (2...21).map(Double.init), negatives: [1.5, 2.5, 10.5, 30])
        XCTAssertEqual(m.fprAt95TPR, 0.5)
        XCTAssertEqual(m.auroc, 0.625)
    }

    func testInfinitiesAreExtremeScores() throws {
        let m = try DetectionMetrics(positives: [.infinity, 2], negatives: [-.infinity, 1])
        XCTAssertEqual(m.auroc, 1)
    }

    func testBadInputThrows() {
        XCTAssertThrowsError(try DetectionMetrics(positives: [], negatives: [1]))
        XCTAssertThrowsError(try DetectionMetrics(positives: [1], negatives: []))
        XCTAssertThrowsError(try DetectionMetrics(positives: [1, .nan], negatives: [0])) { error in
            XCTAssertTrue("\(error)".contains("NaN"), "\(error)")
        }
    }

    /// Random integer scores (many ties): the AUROC is exactly the pairwise count with ties as ½, the ROC curve is
    /// monotone from (0, 0) to (1, 1), and AP matches a direct sum over distinct thresholds.
    func testAgainstBruteForceWithManyTies() throws {
        var rng = Xoshiro256(seed: 11)
        for trial in 0..<20 {
            let P = 1 + Int(rng.next() % 30), N = 1 + Int(rng.next() % 30)
            let positives = (0..<P).map { _ in Double(rng.next() % 6) + 0.5 }
            let negatives = (0..<N).map { _ in Double(rng.next() % 5) }.map { $0 + (trial % 2 == 0 ? 0.5 : 0) }
            let m = try DetectionMetrics(positives: positives, negatives: negatives)
            var wins = 0.0
            for p in positives { for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) } }
            XCTAssertEqual(m.auroc, wins / Double(P * N), accuracy: 1e-12)
            XCTAssertEqual(m.roc.first?.falsePositiveRate, 0)
            XCTAssertEqual(m.roc.last?.truePositiveRate, 1)
            XCTAssertEqual(m.roc.last?.falsePositiveRate, 1)
            for (a, b) in zip(m.roc, m.roc.dropFirst()) {
                XCTAssertLessThanOrEqual(a.falsePositiveRate, b.falsePositiveRate)
                XCTAssertLessThanOrEqual(a.truePositiveRate, b.truePositiveRate)
            }
            var ap = 0.0
            for t in Set(positives + negatives).sorted(by: >) {
                let tp = positives.filter { $0 >= t }.count, fp = negatives.filter { $0 >= t }.count
                let gained = positives.filter { $0 == t }.count
                if gained > 0 { ap += Double(gained) / Double(P) * Double(tp) / Double(tp + fp) }
            }
            XCTAssertEqual(m.auprc, ap, accuracy: 1e-12)
        }
    }

    /// Positives 3, 1 against negatives 2, 0: V10 = (1, ½), V01 = (½, 1), each of sample variance 1/8, so the
    /// variance is 1/8 / 2 + 1/8 / 2 = 1/8. Perfect separation has no variance; one sample per set neither.
    func testDeLongStandardErrorByHand() throws {
        let m = try DetectionMetrics(positives: [3, 1], negatives: [2, 0])
        XCTAssertEqual(m.auroc, 0.75)
        XCTAssertEqual(m.aurocStandardError, (1.0 / 8).squareRoot(), accuracy: 1e-15)
        // 0.75 ± 0.693: from 0.057, and clipped at 1.
        XCTAssertEqual(m.aurocConfidenceInterval95.lowerBound, 0.75 - 1.96 * (1.0 / 8).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(m.aurocConfidenceInterval95.upperBound, 1)
        XCTAssertEqual(try DetectionMetrics(positives: [3, 4], negatives: [1, 2]).aurocStandardError, 0)
        XCTAssertEqual(try DetectionMetrics(positives: [3], negatives: [1]).aurocStandardError, 0)
    }

    /// The standard error from the pairwise kernel ψ (1 when the positive is higher, ½ on a tie) summed row by row
    /// and column by column, on random integer scores with many ties.
    func testDeLongStandardErrorAgainstPairwiseDefinition() throws {
        var rng = Xoshiro256(seed: 12)
        for _ in 0..<20 {
            let P = 2 + Int(rng.next() % 30), N = 2 + Int(rng.next() % 30)
            let positives = (0..<P).map { _ in Double(rng.next() % 6) }
            let negatives = (0..<N).map { _ in Double(rng.next() % 5) }
            func psi(_ p: Double, _ n: Double) -> Double { p > n ? 1 : (p == n ? 0.5 : 0) }
            let v10 = positives.map { p in negatives.reduce(0) { $0 + psi(p, $1) } / Double(N) }
            let v01 = negatives.map { n in positives.reduce(0) { $0 + psi($1, n) } / Double(P) }
            let auc = v10.reduce(0, +) / Double(P)
            let s10 = v10.reduce(0) { $0 + ($1 - auc) * ($1 - auc) } / Double(P - 1)
            let s01 = v01.reduce(0) { $0 + ($1 - auc) * ($1 - auc) } / Double(N - 1)
            let m = try DetectionMetrics(positives: positives, negatives: negatives)
            XCTAssertEqual(m.aurocStandardError, (s10 / Double(P) + s01 / Double(N)).squareRoot(), accuracy: 1e-12)
        }
    }

    /// Positives from N(1, 1), negatives from N(0, 1): the true AUROC is Φ(1/√2) = 0.76025. Over 400 draws of 60
    /// against 80 samples, the 95% intervals cover it in 93-97% of them (binomial sd 1.1%), and the standard error
    /// is close to the AUROC's actual spread over the draws.
    func testDeLongIntervalsCoverTheTrueAUROC() throws {
        var rng = Xoshiro256(seed: 13)
        func gaussian() -> Double {   // Box-Muller
            let u = max(Double(rng.nextUniform()), 1e-12), v = Double(rng.nextUniform())
            return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
        let truth = 0.5 * erfc(-0.5)   // Φ(1/√2) = ½ erfc(−1/2)
        var covered = 0, aucs: [Double] = [], errors: [Double] = []
        for _ in 0..<400 {
            let m = try DetectionMetrics(positives: (0..<60).map { _ in 1 + gaussian() },
                                         negatives: (0..<80).map { _ in gaussian() })
            if m.aurocConfidenceInterval95.contains(truth) { covered += 1 }
            aucs.append(m.auroc); errors.append(m.aurocStandardError)
        }
        XCTAssertTrue((372...388).contains(covered), "covered \(covered) of 400")
        let mean = aucs.reduce(0, +) / 400
        let spread = (aucs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 399).squareRoot()
        XCTAssertEqual(errors.reduce(0, +) / 400, spread, accuracy: 0.15 * spread)
    }
}
