import AsyncHTTPClient
import BroadcastModel
import EVMPrimitives
import Foundation
import NIOCore
import NIOHTTP1

/// Plain HTTP calls on the shared client.
enum HTTP {
    static func ok(_ url: String) async -> Bool {
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) else {
            return false
        }
        return response.status == .ok
    }
}

/// What one POST /transaction/broadcast got.
enum PostOutcome: Sendable {
    /// 200 with the request id: the broker acknowledged the request.
    case accepted(RequestID)
    /// Any other status: never produced.
    case refused(status: Int)
    /// No answer (connection refused or cut): produced or not, nobody knows.
    case noAnswer
}

/// One planned request: who sends it and its unique calldata.
struct PlannedPost: Sendable {
    let sender: Sender
    let weight: UInt64
}

/// Posts planned requests to the API, a few at a time.
struct LoadDriver: Sendable {
    let apiURL: String
    let concurrency: Int
    /// Pause between one lane's POSTs, so that a phase lasts long enough to kill something during it.
    var pause: Duration = .zero

    /// Requests `first..<first+count`, round-robin over `senders`.
    static func plan(_ range: Range<Int>, senders: [Sender]) -> [PlannedPost] {
        range.map { PlannedPost(sender: senders[$0 % senders.count], weight: UInt64($0)) }
    }

    /// Posts `posts` with at most `concurrency` in flight, a lane stopping at its first POST without
    /// an answer (those after it are not posted); outcomes in no particular order.
    func post(_ posts: [PlannedPost]) async -> [(PlannedPost, PostOutcome)] {
        await withTaskGroup(of: [(PlannedPost, PostOutcome)].self) { group in
            for lane in 0..<concurrency {
                let mine = Array(posts.enumerated().filter { $0.offset % concurrency == lane }.map(\.element))
                group.addTask {
                    var outcomes: [(PlannedPost, PostOutcome)] = []
                    for post in mine {
                        let outcome = await self.post(post)
                        outcomes.append((post, outcome))
                        // No answer: the API is gone. The client retries connecting until the
                        // request's deadline, so the lane's later posts would each wait that long.
                        if case .noAnswer = outcome { break }
                        if pause > .zero { try? await Task.sleep(for: pause) }
                    }
                    return outcomes
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    func post(_ planned: PlannedPost) async -> PostOutcome {
        var request = HTTPClientRequest(url: "\(apiURL)/transaction/broadcast")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = #"{"message_type": "\#(planned.sender.signature)", "data": "\#(planned.sender.calldata(weight: planned.weight))"}"#
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(8))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { return .refused(status: Int(response.status.code)) }
            struct Answer: Decodable { let id: RequestID }
            return .accepted(try JSONDecoder().decode(Answer.self, from: Data(String(buffer: bytes).utf8)).id)
        } catch {
            return .noAnswer
        }
    }
}

/// The outcomes of every phase of a test's load.
struct LoadTally {
    private(set) var accepted: [RequestID: PlannedPost] = [:]
    /// 200s counted one by one: two 200s with one id would show as fewer `accepted`.
    private(set) var acceptedAnswers = 0
    private(set) var refused = 0
    private(set) var posted = 0
    private(set) var noAnswer = 0

    mutating func add(_ outcomes: [(PlannedPost, PostOutcome)]) {
        posted += outcomes.count
        for (post, outcome) in outcomes {
            switch outcome {
            case .accepted(let id):
                accepted[id] = post
                acceptedAnswers += 1
            case .refused: refused += 1
            case .noAnswer: noAnswer += 1
            }
        }
    }
}
