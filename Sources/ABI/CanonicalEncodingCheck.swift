/// Requires the argument bytes to be exactly the standard encoding of the values they decoded to.
enum CanonicalEncodingCheck {
    static func verify(_ data: [UInt8], decodesTo values: [ABIValue], parameters: [Parameter]) throws(CalldataError) {
        let types = parameters.map(\.type)
        let standard = ABIEncoder.encode(values, as: types)
        guard data != standard else { return }
        if data.count > standard.count, data.starts(with: standard) {
            throw CalldataError(code: .nonCanonical, location: nil, reason: "\(data.count - standard.count) unexpected bytes follow the arguments (their standard encoding is \(standard.count) bytes)")
        }
        let differing = zip(data, standard).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(data.count, standard.count)
        // A difference inside the top-level heads is a dynamic argument's offset: name that argument.
        var head = 0
        for (index, parameter) in parameters.enumerated() {
            let slot = head..<(head + parameter.type.headSize)
            head = slot.upperBound
            guard slot.contains(differing), parameter.type.isDynamic,
                  let given = Word.smallInteger(data, at: slot.lowerBound),
                  let expected = Word.smallInteger(standard, at: slot.lowerBound)
            else { continue }
            let location = ArgumentLocation(position: index + 1, name: parameter.name, type: parameter.type, path: "", valueType: parameter.type)
            throw CalldataError(code: .nonCanonical, location: location, reason: "offset is \(given), but the standard encoding puts this value at \(expected)")
        }
        throw CalldataError(code: .nonCanonical, location: nil, reason: "byte \(differing) of the arguments differs from the standard encoding of the decoded values (unused bytes or out-of-order offsets inside the data)")
    }
}
