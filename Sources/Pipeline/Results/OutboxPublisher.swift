import BroadcastModel
import Foundation
import Logging
import StatusStore

/// Publishes the store's outbox to the results topic: every status change was written there
/// in the same transaction as the change, so each reaches the topic at least once, in order
/// per request (a request's events go to one publisher at a time, one after another; the
/// key is the request id, so they share a partition). An event leaves the outbox only after
/// the broker acknowledged it; one claimed by a publisher that died is claimed again by
/// another once its hold runs out.
struct OutboxPublisher: Sendable {
    typealias Deliver = @Sendable (StatusEvent) async throws -> Void

    let store: any StatusStore
    /// This process's name in claims.
    let owner: String
    let deliver: Deliver
    var batchSize = 512
    var hold: Duration = .seconds(30)
    var idlePause: Duration = .milliseconds(100)
    let logger: Logger

    /// Publishes until cancelled.
    func run() async {
        while !Task.isCancelled {
            let published = await publishOnce()
            if published == 0 { try? await Task.sleep(for: idlePause) }
        }
    }

    /// Publishes what is claimable now until the outbox is empty or a round fails: for
    /// graceful shutdown, after the lanes stored their last changes.
    func drain() async {
        while await publishOnce() > 0 {}
    }

    /// One claim, published; returns how many events left the outbox.
    private func publishOnce() async -> Int {
        let entries: [OutboxEntry]
        do {
            entries = try await store.claimOutbox(owner: owner, limit: batchSize, holdFor: hold)
        } catch {
            logger.warning("cannot read the results outbox; trying again", metadata: ["error": "\(error)"])
            return 0
        }
        guard !entries.isEmpty else { return 0 }
        let byRequest = Dictionary(grouping: entries, by: \.event.id)
        let delivered = await withTaskGroup(of: [Int64].self) { group in
            for events in byRequest.values {
                group.addTask { [deliver, logger] in
                    var sent: [Int64] = []
                    for entry in events.sorted(by: { $0.sequence < $1.sequence }) {
                        do {
                            try await deliver(entry.event)
                            sent.append(entry.sequence)
                        } catch {
                            // The rest of this request's events wait for the next claim, in order.
                            logger.warning(
                                "status event not published yet; it stays in the outbox",
                                metadata: ["request_id": "\(entry.event.id)", "status": "\(entry.event.status)", "error": "\(error)"])
                            break
                        }
                    }
                    return sent
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        do {
            try await store.acknowledgeOutbox(delivered)
        } catch {
            logger.warning("cannot remove published events from the outbox; they will be published again", metadata: ["error": "\(error)"])
        }
        return delivered.count
    }
}
