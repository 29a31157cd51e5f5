import NIOCore

/// When a connection must be closed, as a pure state machine fed with what happened on it and
/// when: idle between requests for `idle`; a request's head not complete `head` after its
/// first byte; its body not complete `body` after its head. While a complete request is being
/// answered nothing expires: the handler's own bounds (the produce timeout, `api.maxWait`)
/// hold it.
///
/// A client trickling bytes never moves a deadline: each one runs from the start of its phase,
/// so 200 slow clients cannot hold 200 connections for longer than these limits.
struct ConnectionDeadlines: Sendable {
    struct Limits: Hashable, Sendable {
        var idle: TimeAmount
        var head: TimeAmount
        var body: TimeAmount
    }

    /// Which limit ran out.
    enum Expiry: Hashable, Sendable {
        /// No request for `idle`: close quietly.
        case idle
        /// The head did not arrive in time: answer 408 if nothing is being answered, then close.
        case head
        /// The body did not arrive in time: the same.
        case body
    }

    let limits: Limits
    /// Since when nothing is in progress (connection opened, or the last answer ended).
    private var idleSince: NIODeadline
    /// The first byte of a request whose head is not complete yet.
    private var headStartedAt: NIODeadline?
    /// The head of the request whose body is being read.
    private var bodyStartedAt: NIODeadline?
    /// Requests whose head arrived and whose answer has not ended.
    private var unanswered = 0
    /// Whether an answer has started for the request being read (then no 408 can be written).
    private(set) var isAnswering = false

    init(limits: Limits, openedAt: NIODeadline) {
        self.limits = limits
        self.idleSince = openedAt
    }

    /// Bytes arrived: the first ones after a complete head start the next head's clock.
    mutating func bytesArrived(at now: NIODeadline) {
        if bodyStartedAt == nil, headStartedAt == nil { headStartedAt = now }
    }

    mutating func headReceived(at now: NIODeadline) {
        headStartedAt = nil
        bodyStartedAt = now
        unanswered += 1
    }

    mutating func bodyEnded() {
        bodyStartedAt = nil
    }

    mutating func answerStarted() {
        isAnswering = true
    }

    mutating func answerEnded(at now: NIODeadline) {
        unanswered = max(0, unanswered - 1)
        isAnswering = false
        idleSince = now
    }

    /// The next deadline and what it means, nil while a complete request is being answered.
    var next: (deadline: NIODeadline, expiry: Expiry)? {
        if let bodyStartedAt { return (bodyStartedAt + limits.body, .body) }
        if let headStartedAt { return (headStartedAt + limits.head, .head) }
        if unanswered > 0 { return nil }
        return (idleSince + limits.idle, .idle)
    }

    /// What ran out by `now`, if anything.
    func expired(at now: NIODeadline) -> Expiry? {
        guard let next, next.deadline <= now else { return nil }
        return next.expiry
    }

    /// Whether a 408 may be written now: every earlier request was answered, no answer is under
    /// way, and the request being read (if any) has not been answered already (a 413 answered
    /// before its body, which is then drained).
    var canAnswer: Bool { !isAnswering && unanswered == (bodyStartedAt == nil ? 0 : 1) }
}
