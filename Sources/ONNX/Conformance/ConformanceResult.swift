/// How one conformance test ended.
public enum ConformanceStatus: String, Sendable, Codable, CaseIterable {
    case passed, failed, skipped
}

/// The outcome of one test directory: its name, status and (for failures and skips) why.
public struct ConformanceTestResult: Sendable, Equatable {
    /// The test directory's name, e.g. `test_add_bcast`.
    public var name: String
    public var status: ConformanceStatus
    /// Empty for a pass; the first error or mismatch for a failure; the skip rule that applied.
    public var reason: String

    public init(name: String, status: ConformanceStatus, reason: String = "") {
        self.name = name
        self.status = status
        self.reason = reason
    }
}

/// Every test of a run, in directory-name order, with the counts per status.
public struct ConformanceSummary: Sendable {
    public var tests: [ConformanceTestResult]

    public init(tests: [ConformanceTestResult]) { self.tests = tests }

    public var total: Int { tests.count }
    public var passed: Int { count(.passed) }
    public var failed: Int { count(.failed) }
    public var skipped: Int { count(.skipped) }

    public func count(_ status: ConformanceStatus) -> Int { tests.reduce(0) { $0 + ($1.status == status ? 1 : 0) } }

    /// Names of the tests that passed.
    public var passedNames: Set<String> { Set(tests.filter { $0.status == .passed }.map(\.name)) }
}
