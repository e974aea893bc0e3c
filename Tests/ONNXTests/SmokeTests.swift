import XCTest
@testable import ONNX

final class SmokeTests: XCTestCase {
    func testLibraryFacts() {
        XCTAssertEqual(ONNXChecker.maxIRVersion, 8)
        XCTAssertEqual(ONNXChecker.maxOpsetVersion(domain: ""), 17)
    }
}
