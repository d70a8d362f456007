import Foundation
import Testing
import TCPWire

/// The one JSON writer every `--json` output uses.
@Suite struct JSONValueTests {
    let value = JSONValue.object([
        ("b", .int(2)), ("a", .array([.string("x\"y\n\u{1}"), .bool(true), .null])), ("e", .object([])),
        ("n", .number(0.123456, digits: 3)), ("w", .number(12.0, digits: 2)),
    ])

    @Test func prettyKeepsKeyOrderAndEscapes() throws {
        #expect(value.pretty == """
            {
              "b": 2,
              "a": [
                "x\\"y\\n\\u0001",
                true,
                null
              ],
              "e": {},
              "n": 0.123,
              "w": 12
            }
            """)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(value.pretty.utf8)) as? [String: Any])
        #expect(decoded["b"] as? Int == 2)
        #expect((decoded["a"] as? [Any])?.first as? String == "x\"y\n\u{1}")
    }

    @Test func compactIsOneLineWithTheSameValue() throws {
        #expect(value.compact == #"{"b":2,"a":["x\"y\n\u0001",true,null],"e":{},"n":0.123,"w":12}"#)
        let a = try JSONSerialization.jsonObject(with: Data(value.compact.utf8)) as? NSDictionary
        let b = try JSONSerialization.jsonObject(with: Data(value.pretty.utf8)) as? NSDictionary
        #expect(a == b)
    }

    @Test func nonFiniteNumbersBecomeNull() {
        #expect(JSONValue.number(.nan, digits: 2).compact == "null")
        #expect(JSONValue.number(.infinity, digits: 2).compact == "null")
        // Halves round away from zero.
        #expect(JSONValue.decimal(2.5, digits: 0) == "3")
        #expect(JSONValue.decimal(-0.25, digits: 1) == "-0.3")
    }
}
