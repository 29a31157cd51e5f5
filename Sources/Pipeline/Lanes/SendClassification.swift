import ChainRPC
import Lifecycle

/// How the answers of every endpoint to one `eth_sendRawTransaction` combine into one result:
/// any node taking it wins; then a used nonce (settled by receipts); then a definitive
/// refusal (the least drastic of them); then a lost answer (it may have landed); "not sent"
/// only when no call got through.
enum SendClassification {
    static func result(of outcomes: [Result<TxHashAnswer, ChainRPCError>]) -> (SendResult, endpoint: String?) {
        let classified = outcomes.map(classify)
        guard let best = classified.min(by: { rank(of: $0.0) < rank(of: $1.0) }) else {
            return (.notSent(reason: "no endpoint was tried"), nil)
        }
        return best
    }

    /// One endpoint's answer in the lifecycle's terms.
    static func classify(_ outcome: Result<TxHashAnswer, ChainRPCError>) -> (SendResult, endpoint: String?) {
        switch outcome {
        case .success(let answer):
            return (.accepted, answer.endpoint)
        case .failure(let error):
            let endpoint = error.endpoint.description
            switch error.action {
            case .alreadySent: return (.accepted, endpoint)
            case .nonceTooLow: return (.refused(.nonceTooLow, reason: error.description), endpoint)
            case .nonceTooHigh: return (.refused(.nonceTooHigh, reason: error.description), endpoint)
            case .fixFees: return (.refused(.feesTooLow, reason: error.description), endpoint)
            case .waitForFunds: return (.refused(.insufficientFunds, reason: error.description), endpoint)
            case .giveUp: return (.refused(.invalid, reason: error.description), endpoint)
            case .retryLater:
                switch error.failure {
                case .transport(.connectionRefused), .transport(.connectTimedOut), .transport(.noConnectionFree):
                    return (.notSent(reason: error.description), endpoint)
                default:
                    // A timeout, a reset, a proxy's 5xx, a garbled body: the call may have
                    // reached the node.
                    return (.unknown(reason: error.description), endpoint)
                }
            }
        }
    }

    /// Lower wins. Among refusals: a used nonce, a gap to repair, fees to bump, funds to wait
    /// for, and giving up only when no endpoint offers anything better, so endpoints that
    /// disagree give one result whatever order their answers arrive in.
    private static func rank(of result: SendResult) -> Int {
        switch result {
        case .accepted: 0
        case .refused(.nonceTooLow, _): 1
        case .refused(.nonceTooHigh, _): 2
        case .refused(.feesTooLow, _): 3
        case .refused(.insufficientFunds, _): 4
        case .refused(.invalid, _): 5
        case .unknown: 6
        case .notSent: 7
        }
    }
}
