import EVMPrimitives
import Foundation
import StatusStore
import Synchronization
import Testing

@testable import Pipeline

/// Issue 10: lanes' saves share transactions. What the store does with a group is tested on
/// both engines in StatusStoreTests; here, which lanes go into which group.
@Suite("Grouped saves")
struct GroupedSavesTests {
    /// Records the groups it is asked to write, holds the first one until told, and refuses
    /// (as a store refuses a bug) every group holding an owner named "bad".
    final class Recorder: Sendable {
        let groups = Mutex<[[String]]>([])
        let firstHeld = Mutex<CheckedContinuation<Void, Never>?>(nil)

        func write(_ changes: [LifecycleChanges]) async throws -> [LifecycleSaveOutcome] {
            let isFirst = groups.withLock { groups in
                groups.append(changes.map(\.fence.owner))
                return groups.count == 1
            }
            if isFirst { await withCheckedContinuation { continuation in firstHeld.withLock { $0 = continuation } } }
            if changes.contains(where: { $0.fence.owner == "bad" }) {
                throw StatusStoreError(.unknownRequest, "no such request is stored")
            }
            return changes.map { $0.fence.owner.hasPrefix("stale") ? .fenced(StatusStoreError(.fenced, "\($0.fence.owner) lost the lease")) : .saved }
        }

        func releaseFirst() async {
            while true {
                if let continuation = firstHeld.withLock({ $0.take() }) { return continuation.resume() }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    func changes(_ owner: String) -> LifecycleChanges {
        LifecycleChanges(states: [], attempts: [], fence: LeaseFence(sender: Address.zero, owner: owner, epoch: 1, expiresAt: Date()))
    }

    func outcomeName(_ result: Result<LifecycleSaveOutcome, any Error>) -> String {
        switch result {
        case .success(.saved): "saved"
        case .success(.fenced): "fenced"
        case .failure(let error as StatusStoreError): "\(error.code)"
        case .failure(let error): "\(error)"
        }
    }

    func save(_ saves: GroupedSaves, _ owner: String) async -> (String, String) {
        let result: Result<LifecycleSaveOutcome, any Error>
        do { result = .success(try await saves.save(changes(owner))) } catch { result = .failure(error) }
        return (owner, outcomeName(result))
    }

    /// Lane 0 saves and is held in the store; `others` hand theirs in meanwhile, then lane 0's
    /// save is let go. Every lane's outcome, by owner.
    func saveBehindAHeldSave(_ others: [String]) async -> (Recorder, GroupedSaves, [String: String]) {
        let recorder = Recorder()
        let saves = GroupedSaves(write: recorder.write)
        let outcomes = await withTaskGroup(of: (String, String).self, returning: [String: String].self) { group in
            group.addTask { await save(saves, "lane-0") }
            while recorder.groups.withLock({ $0.isEmpty }) { await Task.yield() }
            for owner in others { group.addTask { await save(saves, owner) } }
            while await saves.waitingCount < others.count { try? await Task.sleep(for: .milliseconds(2)) }
            await recorder.releaseFirst()
            var outcomes: [String: String] = [:]
            for await (owner, outcome) in group { outcomes[owner] = outcome }
            return outcomes
        }
        return (recorder, saves, outcomes)
    }

    @Test func savesHandedInDuringASaveGoTogetherIntoTheNextAndEachGetsItsOwnOutcome() async throws {
        let others = ["lane-1", "lane-2", "stale-3", "lane-4", "lane-5"]
        let (recorder, saves, outcomes) = await saveBehindAHeldSave(others)
        let groups = recorder.groups.withLock { $0 }
        #expect(groups.count == 2)
        #expect(groups.first == ["lane-0"])
        #expect(Set(groups.last ?? []) == Set(others))
        #expect(outcomes == ["lane-0": "saved", "lane-1": "saved", "lane-2": "saved", "stale-3": "fenced", "lane-4": "saved", "lane-5": "saved"])
        #expect(await saves.waitingCount == 0)

        // Nothing in progress now: a save goes alone, at once.
        #expect(await save(saves, "lane-6") == ("lane-6", "saved"))
        #expect(recorder.groups.withLock { $0.last } == ["lane-6"])
    }

    @Test func aGroupTheStoreRefusesIsSavedLaneByLaneSoOnlyTheBadOneFails() async throws {
        let others = ["lane-1", "bad", "lane-3"]
        let (recorder, _, outcomes) = await saveBehindAHeldSave(others)
        #expect(outcomes == ["lane-0": "saved", "lane-1": "saved", "bad": "unknownRequest", "lane-3": "saved"])
        let groups = recorder.groups.withLock { $0 }
        // The refused group of three, then each of its lanes alone.
        #expect(groups.count == 5)
        #expect(groups.dropFirst(2).map(\.count) == [1, 1, 1])
    }
}
