import BroadcastModel
import EVMPrimitives

/// A lane's requests by nonce, keeping, as they are written, what the lane would otherwise walk
/// every request for: which are final, and which requests became or stopped being untaken (no
/// node has accepted a version, and not final), for intake's bound.
public struct LaneRequests: Sendable, Sequence {
    private var byNonce: [Nonce: RequestLifecycle] = [:]
    /// Nonces whose request is final: stored, then removed.
    private(set) var finished: Set<Nonce> = []
    /// Requests whose untaken-ness changed since the lane last took the changes: true for
    /// untaken now.
    private(set) var untakenChanges: [RequestID: Bool] = [:]

    public init() {}

    public var isEmpty: Bool { byNonce.isEmpty }
    public var count: Int { byNonce.count }
    public var keys: Dictionary<Nonce, RequestLifecycle>.Keys { byNonce.keys }
    public var values: Dictionary<Nonce, RequestLifecycle>.Values { byNonce.values }
    public func makeIterator() -> Dictionary<Nonce, RequestLifecycle>.Iterator { byNonce.makeIterator() }

    /// Whether intake's bound counts `request`: no node has accepted any version of it yet.
    public static func isUntaken(_ request: RequestLifecycle) -> Bool {
        request.state.acceptedVersion == 0 && !request.state.isFinal
    }

    public subscript(nonce: Nonce) -> RequestLifecycle? {
        get { byNonce[nonce] }
        _modify {
            let before = byNonce[nonce]
            yield &byNonce[nonce]
            noteChange(at: nonce, from: before)
        }
    }

    @discardableResult
    public mutating func removeValue(forKey nonce: Nonce) -> RequestLifecycle? {
        let removed = byNonce.removeValue(forKey: nonce)
        noteChange(at: nonce, from: removed)
        return removed
    }

    /// The untaken changes since the last call.
    mutating func takeUntakenChanges() -> [RequestID: Bool] {
        defer { untakenChanges.removeAll(keepingCapacity: true) }
        return untakenChanges
    }

    private mutating func noteChange(at nonce: Nonce, from before: RequestLifecycle?) {
        let after = byNonce[nonce]
        if after?.state.isFinal == true { finished.insert(nonce) } else { finished.remove(nonce) }
        let wasUntaken = before.map(Self.isUntaken) ?? false
        let isUntaken = after.map(Self.isUntaken) ?? false
        guard wasUntaken != isUntaken, let id = after?.state.id ?? before?.state.id else { return }
        untakenChanges[id] = isUntaken
    }
}
