import AdminAccess
import Hummingbird
import Testing

@Suite("Origin and CSRF checks")
struct RequestOriginPolicyTests {
    let policy = RequestOriginPolicy(publicOrigin: "https://admin.example.com")

    /// (method, Sec-Fetch-Site values, Origin values, expected refusal or nil)
    static let matrix: [(HTTPRequest.Method, [String], [String], RequestOriginPolicy.Refusal?)] = [
        (.get, [], [], nil),
        (.head, ["cross-site"], ["https://evil.example"], nil),
        (.post, ["same-origin"], ["https://admin.example.com"], nil),
        (.post, ["same-origin"], [], nil),
        (.post, [], ["https://admin.example.com"], nil),
        (.post, ["Same-Origin"], ["HTTPS://ADMIN.EXAMPLE.COM"], nil),
        (.post, [], [], .noOriginEvidence),
        (.post, ["cross-site"], ["https://admin.example.com"], .notSameOrigin(secFetchSite: "cross-site")),
        (.post, ["same-site"], [], .notSameOrigin(secFetchSite: "same-site")),
        (.post, ["none"], [], .notSameOrigin(secFetchSite: "none")),
        (.post, ["same-origin"], ["https://evil.example"], .foreignOrigin),
        (.post, [], ["null"], .foreignOrigin),
        (.post, [], ["http://admin.example.com"], .foreignOrigin),
        (.post, [], ["https://admin.example.com:8443"], .foreignOrigin),
        (.post, [], ["https://admin.example.com.evil.example"], .foreignOrigin),
        (.post, ["same-origin", "same-origin"], [], .repeatedHeader("Sec-Fetch-Site")),
        (.post, [], ["https://admin.example.com", "https://admin.example.com"], .repeatedHeader("Origin")),
        (.put, [], [], .noOriginEvidence),
        (.delete, ["cross-site"], [], .notSameOrigin(secFetchSite: "cross-site")),
        (.patch, [], ["https://evil.example"], .foreignOrigin),
        (.options, [], [], .noOriginEvidence),
    ]

    @Test("only GET and HEAD pass unchecked; others need same-origin evidence and nothing foreign", arguments: 0..<matrix.count)
    func origin(_ index: Int) {
        let (method, site, origin, expected) = Self.matrix[index]
        #expect(policy.originRefusal(method: method, secFetchSite: site, origin: origin) == expected)
    }

    @Test("the CSRF token must be the session's, once, for every unsafe method")
    func csrf() {
        let token = SecretToken.random()
        let other = SecretToken.random()
        #expect(RequestOriginPolicy.csrfRefusal(method: .post, expected: token, submitted: [token.text]) == nil)
        #expect(RequestOriginPolicy.csrfRefusal(method: .get, expected: token, submitted: []) == nil)
        #expect(RequestOriginPolicy.csrfRefusal(method: .post, expected: token, submitted: []) == .missingCSRFToken)
        #expect(RequestOriginPolicy.csrfRefusal(method: .post, expected: token, submitted: [""]) == .missingCSRFToken)
        #expect(RequestOriginPolicy.csrfRefusal(method: .delete, expected: token, submitted: [other.text]) == .wrongCSRFToken)
        #expect(RequestOriginPolicy.csrfRefusal(method: .post, expected: token, submitted: [String(token.text.dropLast())]) == .wrongCSRFToken)
        #expect(RequestOriginPolicy.csrfRefusal(method: .post, expected: token, submitted: [token.text, token.text]) == .repeatedHeader("CSRF token"))
    }
}

@Suite("Forms")
struct URLEncodedFormTests {
    @Test("urlencoded forms decode + and %XX; malformed pairs and bytes are refused")
    func parse() throws {
        let fields = try URLEncodedForm.parse("user=alice&password=a+b%26c%3D&csrf_token=")
        #expect(fields == [.init(name: "user", value: "alice"), .init(name: "password", value: "a b&c="), .init(name: "csrf_token", value: "")])
        #expect(try URLEncodedForm.parse("") == [])
        #expect(throws: URLEncodedForm.Problem.pairWithoutEquals) { try URLEncodedForm.parse("user") }
        #expect(throws: URLEncodedForm.Problem.pairWithoutEquals) { try URLEncodedForm.parse("user=a&") }
        #expect(throws: URLEncodedForm.Problem.badPercentEncoding) { try URLEncodedForm.parse("user=%zz") }
        #expect(throws: URLEncodedForm.Problem.badPercentEncoding) { try URLEncodedForm.parse("user=%ff") }
        #expect(throws: URLEncodedForm.Problem.notUTF8) { try URLEncodedForm.parse(ByteBuffer(bytes: [0x75, 0x3D, 0xFF])) }
        #expect(throws: URLEncodedForm.Problem.unexpected("user")) {
            try URLEncodedForm.unique(URLEncodedForm.parse("user=a&user=b"), allowed: ["user"])
        }
        #expect(throws: URLEncodedForm.Problem.unexpected("role")) {
            try URLEncodedForm.unique(URLEncodedForm.parse("user=a&role=operator"), allowed: ["user"])
        }
        #expect(URLEncodedForm.isForm("application/x-www-form-urlencoded; charset=utf-8"))
        #expect(!URLEncodedForm.isForm("multipart/form-data") && !URLEncodedForm.isForm(nil))
    }
}
