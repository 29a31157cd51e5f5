import HTTPTypes
import Testing

@testable import API

@Suite("The broadcast path's header reading")
struct RequestHeadersTests {
    @Test(arguments: [
        "application/json", "Application/JSON", "application/json; charset=utf-8", " application/json ",
        "\tapplication/json;charset=UTF-8", "APPLICATION/JSON ;",
    ])
    func jsonMediaTypes(_ value: String) {
        #expect(RequestHeaders.isJSON(value))
    }

    @Test(arguments: [
        "", "text/plain", "application/jsonx", "application/json-patch+json", "application/js", "application /json",
        "application/json, application/json", "\u{00A0}application/json", "application/ld+json",
    ])
    func otherMediaTypes(_ value: String) {
        #expect(!RequestHeaders.isJSON(value))
    }

    /// A header given twice has two meanings; the path reads neither.
    @Test func aFieldGivenTwiceIsNotRead() {
        var fields = HTTPFields()
        #expect(RequestHeaders.only(.contentType, in: fields) == nil)
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        fields.append(HTTPField(name: .accept, value: "*/*"))
        #expect(RequestHeaders.only(.contentType, in: fields) == "application/json")
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        #expect(RequestHeaders.only(.contentType, in: fields) == nil)
    }
}
