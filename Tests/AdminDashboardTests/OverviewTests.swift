import ABI
import AdminAccess
import AdminActions
import BroadcastModel
import BroadcasterConfig
import EVMPrimitives
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Lifecycle
import NIOCore
import SQLiteStore
import StatusStore
import Testing

@Suite("The overview and its live JSON")
struct OverviewTests {
    @Test("counts come from the counters, with passed, failed and every state between; lanes and partitions are shown")
    func overview() async throws {
        try await DashboardHarness.with { harness in
            let filled = harness.filled
            let statuses: [TransactionStatus] = [.confirmed, .confirmed, .failed, .reverted, .submitted, .signed, .mined, .unknown]
            var stored: [StoredRequest] = []
            for (index, status) in statuses.enumerated() {
                stored.append(try await filled.add(StoreFill.request(from: index % 2 == 0 ? StoreFill.senderA : StoreFill.senderB), status))
            }
            let counts = try await harness.store.statusCounts()
            let requests = stored
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let json = try await client.execute(uri: "/admin/api/overview", method: .get, headers: vera.get)
                #expect(json.status == .ok)
                #expect(json.headers[.contentType] == "application/json")
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
                #expect(object["passed"] as? Int == 2)
                #expect(object["failed"] as? Int == 2)
                #expect(object["unfinished"] as? Int == 4)
                #expect(object["total"] as? Int == 8)
                let byStatus = try #require(object["byStatus"] as? [String: Int])
                for status in TransactionStatus.allCases where status != .accepted {
                    #expect(byStatus[status.rawValue] == counts[status], "\(status)")
                }
                #expect((object["storedInLast"] as? [String: Int])?["1"] == 8)
                let oldest = try #require(object["oldestUnfinished"] as? [String: Any])
                let unfinished = requests.filter { !$0.status.isFinal }.min { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id.description < $1.id.description }
                #expect(oldest["id"] as? String == unfinished?.id.description)
                let lanes = try #require(object["lanes"] as? [[String: Any]])
                #expect(Set(lanes.compactMap { $0["sender"] as? String }) == [StoreFill.senderA.checksummed, StoreFill.senderB.checksummed])
                #expect(lanes.allSatisfy { $0["leaseOwner"] as? String == "worker-1" })
                #expect(lanes.reduce(0) { $0 + (($1["unfinished"] as? Int) ?? 0) } == 4)
                #expect(lanes.allSatisfy { $0["chainLatestNonce"] == nil }, "no chain poll ran")
                let partitions = try #require(object["partitions"] as? [[String: Any]])
                #expect(partitions.count == 1)
                #expect(partitions.first?["storedOffset"] as? Int == 8)
                #expect(partitions.first?["owners"] as? String == "worker-1")

                let page = try await client.execute(uri: "/admin", method: .get, headers: vera.get)
                #expect(page.status == .ok)
                let html = page.text
                #expect(html.contains("data-live=\"passed\">2<"))
                #expect(html.contains("data-live=\"failed\">2<"))
                #expect(html.contains("data-live=\"byStatus.mined\">1<"))
                #expect(html.contains("data-live-root=\"/admin/api/overview\""))
                #expect(html.contains("<script src=\"/admin/assets/dashboard.js\" defer></script>"))
                #expect(html.contains("worker-1"))
                #expect(html.contains("no chain poll in this process"))
            }
        }
    }

    @Test("the nonces a sender's stored requests hold, from the chain's latest to the store's next, make the lane's gaps")
    func heldNoncesAndGaps() async throws {
        try await DashboardHarness.with { harness in
            for _ in 0..<3 { try await harness.filled.add(StoreFill.request(from: StoreFill.senderA)) }
            try await harness.filled.reconcile(StoreFill.senderA, chainPending: Nonce(10))
            try await harness.filled.add(StoreFill.request(from: StoreFill.senderA))
            // Nonces 0-2 and 10 are held; the chain has mined 1.
            let held = try await harness.store.heldNonces(sender: StoreFill.senderA, from: Nonce(1), below: Nonce(11))
            #expect(held == 3)
            #expect(try await harness.store.heldNonces(sender: StoreFill.senderA, from: Nonce(0), below: Nonce(11)) == 4)
            #expect(try await harness.store.heldNonces(sender: StoreFill.senderB, from: Nonce(0), below: Nonce(11)) == 0)
            #expect(try await harness.store.heldNonces(sender: StoreFill.senderA, from: Nonce(11), below: Nonce(11)) == 0)
        }
    }

    @Test("a sender's lane shows its unfinished nonces and stuck when its oldest unfinished is too old")
    func laneGapsAndStuck() async throws {
        try await DashboardHarness.with(stuckAfter: .zero) { harness in
            for _ in 0..<3 { try await harness.filled.add(StoreFill.request(from: StoreFill.senderA)) }
            // The chain says 10 were sent: nonces 3-9 are held by no request of ours.
            try await harness.filled.reconcile(StoreFill.senderA, chainPending: Nonce(10))
            try await harness.filled.add(StoreFill.request(from: StoreFill.senderA))
            try await Task.sleep(for: .milliseconds(20))
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let json = try await client.execute(uri: "/admin/api/overview", method: .get, headers: vera.get)
                let object = try #require(try JSONSerialization.jsonObject(with: Data(json.text.utf8)) as? [String: Any])
                let lane = try #require((object["lanes"] as? [[String: Any]])?.first { $0["sender"] as? String == StoreFill.senderA.checksummed })
                #expect(lane["nextNonce"] as? Int == 11)
                #expect(lane["unfinished"] as? Int == 4)
                #expect(lane["lowestUnfinishedNonce"] as? Int == 0)
                #expect(lane["highestUnfinishedNonce"] as? Int == 10)
                #expect(lane["gaps"] == nil, "gaps come with the chain poll, which this process does not run")
                #expect(lane["stuck"] as? Bool == true)
                let page = try await client.execute(uri: "/admin", method: .get, headers: vera.get)
                #expect(page.text.contains("<tr class=\"stuck\">"))
            }
        }
    }

    @Test("an empty store shows empty states that say what is missing")
    func emptyStore() async throws {
        try await DashboardHarness.with { harness in
            try await harness.app.test(.router) { client in
                let vera = try await harness.logIn(client, operator: false)
                let page = try await client.execute(uri: "/admin", method: .get, headers: vera.get)
                #expect(page.status == .ok)
                #expect(page.text.contains("Nothing is unfinished."))
                #expect(page.text.contains("No partition has been consumed yet."))
                let list = try await client.execute(uri: "/admin/requests", method: .get, headers: vera.get)
                #expect(list.text.contains("No request matches"))
                let audit = try await client.execute(uri: "/admin/audit", method: .get, headers: vera.get)
                #expect(audit.text.contains("Nobody has retried anything yet"))
            }
        }
    }
}
