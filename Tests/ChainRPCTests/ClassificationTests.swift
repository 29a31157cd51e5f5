import Testing

@testable import ChainRPC

/// One row of the classification table: a real node text and what the caller must do.
struct ClassificationCase: Sendable, CustomTestStringConvertible {
    let failure: RPCFailure
    let expected: RecoveryAction
    let source: String

    var testDescription: String { "\(source): \(failure) → \(expected)" }

    static func rpc(_ code: Int, _ message: String, data: String? = nil, _ expected: RecoveryAction, _ source: String)
        -> ClassificationCase
    {
        ClassificationCase(failure: .rpcError(code: code, message: message, data: data), expected: expected, source: source)
    }
}

@Suite("Failure classification")
struct ClassificationTests {
    static let table: [ClassificationCase] = [
        // Transport: nothing is known about the transaction.
        .init(failure: .transport(.timedOut), expected: .retryLater, source: "call timeout"),
        .init(failure: .transport(.connectTimedOut), expected: .retryLater, source: "connect timeout"),
        .init(failure: .transport(.connectionRefused), expected: .retryLater, source: "closed port"),
        .init(failure: .transport(.connectionClosed), expected: .retryLater, source: "reset"),
        .init(failure: .transport(.cancelled), expected: .retryLater, source: "cancelled"),
        .init(failure: .transport(.other("TLS handshake failed")), expected: .retryLater, source: "other"),
        // HTTP statuses without a JSON-RPC body.
        .init(failure: .httpStatus(code: 500, bodyExcerpt: ""), expected: .retryLater, source: "HTTP 500"),
        .init(failure: .httpStatus(code: 502, bodyExcerpt: "<html>Bad Gateway</html>"), expected: .retryLater, source: "HTTP 502"),
        .init(failure: .httpStatus(code: 503, bodyExcerpt: ""), expected: .retryLater, source: "HTTP 503"),
        .init(failure: .httpStatus(code: 429, bodyExcerpt: "Too Many Requests"), expected: .retryLater, source: "HTTP 429"),
        .init(failure: .httpStatus(code: 408, bodyExcerpt: ""), expected: .retryLater, source: "HTTP 408"),
        .init(failure: .httpStatus(code: 401, bodyExcerpt: "unauthorized"), expected: .retryLater, source: "HTTP 401"),
        .init(failure: .httpStatus(code: 404, bodyExcerpt: ""), expected: .retryLater, source: "HTTP 404"),
        .init(failure: .httpStatus(code: 413, bodyExcerpt: ""), expected: .giveUp, source: "HTTP 413"),
        .init(failure: .malformedResponse(reason: "not JSON"), expected: .retryLater, source: "garbage body"),

        // alreadySent
        .rpc(-32000, "already known", .alreadySent, "geth ErrAlreadyKnown"),
        .rpc(-32000, "Known transaction", .alreadySent, "Besu ETH_SEND_TX_ALREADY_KNOWN"),
        .rpc(-32000, "Invalid transaction", data: "TRANSACTION_ALREADY_KNOWN", .alreadySent, "Besu reason in data"),
        .rpc(-32010, "AlreadyKnown", .alreadySent, "Nethermind AcceptTxResult code"),
        .rpc(-32000, "INTERNAL_ERROR: existing tx with same hash", .alreadySent, "Erigon DuplicateHash"),
        .rpc(-32000, "INTERNAL_ERROR: existing txn with same hash", .alreadySent, "Erigon DuplicateHash (new)"),
        .rpc(-32000, "ALREADY_EXISTS: already known", .alreadySent, "Erigon ImportResult"),
        .rpc(-32010, "Transaction with the same hash was already imported.", .alreadySent, "OpenEthereum"),

        // nonceTooLow
        .rpc(-32000, "nonce too low: address 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf, tx: 3 state: 5", .nonceTooLow, "geth ErrNonceTooLow"),
        .rpc(-32000, "nonce too low: next nonce 5, tx nonce 3", .nonceTooLow, "devchain"),
        .rpc(-32001, "Nonce too low", .nonceTooLow, "Besu NONCE_TOO_LOW"),
        .rpc(-32000, "Invalid transaction", data: "NONCE_TOO_LOW", .nonceTooLow, "Besu reason name"),
        .rpc(-32010, "OldNonce", .nonceTooLow, "Nethermind AcceptTxResult code"),
        .rpc(-32000, "INVALID: nonce too low", .nonceTooLow, "Erigon"),
        .rpc(-32010, "Transaction nonce is too low. Try incrementing the nonce.", .nonceTooLow, "OpenEthereum"),
        .rpc(-32000, "authority nonce too low", .giveUp, "geth ErrAuthorityNonceTooLow (7702, not ours)"),

        // nonceTooHigh
        .rpc(-32000, "nonce too high", .nonceTooHigh, "geth ErrNonceTooHigh"),
        .rpc(-32006, "Nonce too high", .nonceTooHigh, "Besu NONCE_TOO_HIGH"),
        .rpc(-32000, "Transaction nonce is too distant from current sender nonce", .nonceTooHigh, "Besu NONCE_TOO_FAR_IN_FUTURE_FOR_SENDER"),
        .rpc(-32000, "An invalid transaction with a lower nonce exists", .nonceTooHigh, "Besu LOWER_NONCE_INVALID_TRANSACTION_EXISTS"),
        .rpc(-32006, "Incorrect nonce", .nonceTooHigh, "Besu INCORRECT_NONCE (older)"),
        .rpc(-32010, "NonceGap", .nonceTooHigh, "Nethermind AcceptTxResult code"),
        .rpc(-32010, "nonce too far in future", .nonceTooHigh, "Nethermind NonceTooFarInFuture"),
        .rpc(-32000, "nonce has max value", .giveUp, "geth ErrNonceMax"),

        // fixFees
        .rpc(-32000, "replacement transaction underpriced", .fixFees, "geth ErrReplaceUnderpriced"),
        .rpc(-32000, "transaction underpriced", .fixFees, "geth ErrUnderpriced"),
        .rpc(-32000, "max fee per gas less than block base fee: address 0x…, maxFeePerGas: 1, baseFee: 7", .fixFees, "geth ErrFeeCapTooLow"),
        .rpc(-32000, "fee cap less than block base fee", .fixFees, "geth ErrFeeCapTooLow (older)"),
        .rpc(-32000, "tx fee (1.50 ether) exceeds the configured cap (1.00 ether)", .fixFees, "geth checkTxFee"),
        .rpc(-32000, "tx fee exceeds the configured cap", .fixFees, "Besu geth-compatible TX_FEECAP_EXCEEDED"),
        .rpc(-32010, "FeeTooLow", .fixFees, "Nethermind AcceptTxResult code"),
        .rpc(-32010, "FeeTooLowToCompete", .fixFees, "Nethermind AcceptTxResult code"),
        .rpc(-32010, "ReplacementNotAllowed", .fixFees, "Nethermind AcceptTxResult code"),
        .rpc(-32000, "Replacement transaction underpriced", .fixFees, "Besu ETH_SEND_TX_REPLACEMENT_UNDERPRICED"),
        .rpc(-32000, "Invalid transaction", data: "REPLACEMENT_UNDERPRICED", .fixFees, "Besu reason name"),
        .rpc(-32009, "Gas price below configured minimum gas price", .fixFees, "Besu GAS_PRICE_TOO_LOW"),
        .rpc(-32009, "Gas price below current base fee", .fixFees, "Besu GAS_PRICE_BELOW_CURRENT_BASE_FEE"),
        .rpc(-32000, "Transaction fee cap exceeded", .fixFees, "Besu TX_FEECAP_EXCEEDED"),
        .rpc(-32000, "FEE_TOO_LOW: fee too low", .fixFees, "Erigon FeeTooLow"),
        .rpc(-32000, "FEE_TOO_LOW: underpriced", .fixFees, "Erigon UnderPriced"),
        .rpc(-32000, "could not replace existing tx", .fixFees, "Erigon NotReplaced"),

        // waitForFunds
        .rpc(-32000, "insufficient funds for gas * price + value: address 0x… have 0 want 21000", .waitForFunds, "geth ErrInsufficientFunds"),
        .rpc(-32000, "transaction would cause overdraft", .waitForFunds, "geth ErrOverdraft"),
        .rpc(-32000, "insufficient funds for transfer", .waitForFunds, "geth ErrInsufficientFundsForTransfer"),
        .rpc(-32010, "InsufficientFunds", .waitForFunds, "Nethermind AcceptTxResult code"),
        .rpc(-32004, "Upfront cost exceeds account balance", .waitForFunds, "Besu TRANSACTION_UPFRONT_COST_EXCEEDS_BALANCE"),
        .rpc(-32000, "INVALID: insufficient funds", .waitForFunds, "Erigon InsufficientFunds"),

        // giveUp
        .rpc(-32000, "invalid sender", .giveUp, "geth ErrInvalidSender"),
        .rpc(-32000, "invalid chain id for signer: have 1 want 5", .giveUp, "geth ErrInvalidChainId"),
        .rpc(-32000, "only replay-protected (EIP-155) transactions allowed over RPC", .giveUp, "geth"),
        .rpc(-32000, "intrinsic gas too low: gas 21000, minimum needed 21432", .giveUp, "geth ErrIntrinsicGas"),
        .rpc(-32000, "insufficient gas for floor data gas cost: gas 21000, minimum needed 21160", .giveUp, "geth ErrFloorDataGas"),
        .rpc(-32000, "exceeds block gas limit", .giveUp, "geth ErrGasLimit"),
        .rpc(-32000, "oversized data", .giveUp, "geth ErrOversizedData"),
        .rpc(-32000, "max priority fee per gas higher than max fee per gas", .giveUp, "geth ErrTipAboveFeeCap"),
        .rpc(-32000, "transaction type not supported", .giveUp, "geth ErrTxTypeNotSupported"),
        .rpc(-32000, "rlp: expected input list for types.LegacyTx", .giveUp, "geth rlp"),
        .rpc(-32000, "max initcode size exceeded: code size 49153 limit 49152", .giveUp, "geth ErrMaxInitCodeSizeExceeded"),
        .rpc(-32002, "Invalid signature", .giveUp, "Besu INVALID_TRANSACTION_SIGNATURE"),
        .rpc(-32000, "Invalid transaction", data: "INVALID_SIGNATURE", .giveUp, "Besu reason name"),
        .rpc(-32003, "Intrinsic gas exceeds gas limit", .giveUp, "Besu INTRINSIC_GAS_EXCEEDS_LIMIT"),
        .rpc(-32000, "Invalid transaction", data: "INTRINSIC_GAS_EXCEEDS_GAS_LIMIT", .giveUp, "Besu reason name"),
        .rpc(-32005, "Transaction gas limit exceeds block gas limit", .giveUp, "Besu EXCEEDS_BLOCK_GAS_LIMIT"),
        .rpc(-32000, "Invalid transaction", data: "EXCEEDS_BLOCK_GAS_LIMIT", .giveUp, "Besu reason name"),
        .rpc(-32000, "Max priority fee per gas exceeds max fee per gas", .giveUp, "Besu MAX_PRIORITY_FEE…"),
        .rpc(-32000, "Wrong chainId", .giveUp, "Besu WRONG_CHAIN_ID"),
        .rpc(-32000, "ChainId is required", .giveUp, "Besu REPLAY_PROTECTED_SIGNATURE_REQUIRED"),
        .rpc(-32007, "Sender account not authorized to send transactions", .giveUp, "Besu TX_SENDER_NOT_AUTHORIZED"),
        .rpc(-32010, "gas limit reached", .giveUp, "Nethermind GasLimitReached"),
        .rpc(-32010, "failed to recover sender", .giveUp, "Nethermind FailedToRecoverSender"),
        .rpc(-32010, "FailedToResolveSender", .giveUp, "Nethermind AcceptTxResult code"),
        .rpc(-32010, "GasLimitExceeded", .giveUp, "Nethermind AcceptTxResult code"),
        .rpc(-32010, "MaxTxSizeExceeded", .giveUp, "Nethermind AcceptTxResult code"),
        .rpc(-32000, "INVALID: IntrinsicGas", .giveUp, "Erigon IntrinsicGas"),
        .rpc(-32000, "INVALID: oversized data", .giveUp, "Erigon OversizedData"),
        .rpc(-32000, "INVALID: invalid sender", .giveUp, "Erigon InvalidSender"),
        .rpc(3, "execution reverted", data: "0x08c379a0", .giveUp, "geth eth_estimateGas revert"),
        .rpc(-32602, "invalid argument 0: json: cannot unmarshal hex string without 0x prefix", .giveUp, "geth bad params"),
        .rpc(-32601, "the method eth_maxPriorityFeePerGas does not exist/is not available", .giveUp, "method not found"),
        .rpc(-32700, "parse error", .giveUp, "JSON-RPC parse error"),

        // retryLater
        .rpc(-32000, "header not found", .retryLater, "geth lagging state"),
        .rpc(-32000, "missing trie node 1a2b… (path )", .retryLater, "geth pruned state"),
        .rpc(-32000, "txpool is full", .retryLater, "geth ErrTxPoolOverflow"),
        .rpc(-32000, "account limit exceeded", .retryLater, "geth ErrAccountLimitExceeded"),
        .rpc(-32603, "Internal error", .retryLater, "JSON-RPC internal error"),
        .rpc(-32603, "Timeout expired", .retryLater, "Besu TIMEOUT_ERROR"),
        .rpc(-32008, "Initial sync is still in progress", .retryLater, "Besu CHAIN_HEAD_WORLD_STATE_NOT_AVAILABLE"),
        .rpc(-32002, "Transaction pool not enabled. (Either txpool explicitly disabled, or node not yet in sync).", .retryLater, "Besu TX_POOL_DISABLED"),
        .rpc(-32010, "node is syncing", .retryLater, "Nethermind NodeIsSyncing"),
        .rpc(-32000, "SPAMMER: spammer", .retryLater, "Erigon Spammer"),
        .rpc(-32000, "pending sub-pool is full", .retryLater, "Erigon PendingPoolOverflow"),
        .rpc(-32005, "daily request count exceeded, request rate limited", .retryLater, "hosted provider rate limit"),
        .rpc(-32600, "Too Many Requests", .retryLater, "rate limit under an invalid-request code"),
        .rpc(-32000, "something no node has ever said", .retryLater, "unknown text"),
        .rpc(12345, "", .retryLater, "unknown code, empty message"),
    ]

    @Test("every row of the table", arguments: table)
    func classifies(_ row: ClassificationCase) {
        #expect(RecoveryAction(classifying: row.failure) == row.expected)
    }

    @Test("matching ignores case")
    func ignoresCase() {
        #expect(RecoveryAction(classifying: .rpcError(code: -32000, message: "NONCE TOO LOW", data: nil)) == .nonceTooLow)
        #expect(RecoveryAction(classifying: .rpcError(code: -32000, message: "Already Known", data: nil)) == .alreadySent)
    }

    @Test("the table reaches every action")
    func coversEveryAction() {
        let reached = Set(Self.table.map(\.expected))
        #expect(reached == Set(RecoveryAction.allCases))
    }

    @Test("every pattern is lowercase and reachable from its own text")
    func patternsAreReachable() {
        for pattern in NodeErrorPatterns.ordered {
            #expect(pattern.fragment == pattern.fragment.lowercased())
            let action = RecoveryAction(classifying: .rpcError(code: -32000, message: pattern.fragment, data: nil))
            #expect(action == pattern.action, "\"\(pattern.fragment)\" is shadowed by an earlier pattern")
        }
    }
}
