import HTTPTypes

/// The request headers the broadcast path reads on every POST, read without Foundation:
/// `HTTPFields`' string subscript joins repeated fields into a new string, and
/// `trimmingCharacters` bridges through `NSString`, together about a twentieth of the API's
/// CPU per POST.
enum RequestHeaders {
    /// The value of the one field named `name`; nil when there is none or more than one.
    static func only(_ name: HTTPField.Name, in fields: HTTPFields) -> String? {
        var found: String?
        for field in fields where field.name == name {
            guard found == nil else { return nil }
            found = field.value
        }
        return found
    }

    /// Whether a `Content-Type` value names `application/json`, parameters (`; charset=…`)
    /// allowed, its case ignored, optional whitespace (spaces and tabs, RFC 9110's OWS)
    /// around the media type.
    static func isJSON(_ contentType: String) -> Bool {
        let expected = "application/json".utf8
        var text = contentType.utf8[...]
        if let semicolon = text.firstIndex(of: UInt8(ascii: ";")) { text = text[..<semicolon] }
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        while let first = text.first, isSpace(first) { text = text.dropFirst() }
        while let last = text.last, isSpace(last) { text = text.dropLast() }
        guard text.count == expected.count else { return false }
        for (byte, wanted) in zip(text, expected) {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            guard lower == wanted else { return false }
        }
        return true
    }
}
