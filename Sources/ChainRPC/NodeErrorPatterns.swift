/// A fragment of a node's error text and what it means for the caller.
struct NodeErrorPattern: Sendable {
    /// Lowercased; matched as a substring of the lowercased message and data.
    let fragment: String
    let action: RecoveryAction

    init(_ fragment: String, _ action: RecoveryAction) {
        self.fragment = fragment.lowercased()
        self.action = action
    }
}

/// The error texts of the common execution clients, most specific first: the first fragment
/// found in a message decides. Order matters where one text contains another ("authority nonce
/// too low" before "nonce too low"; Erigon's "INTERNAL_ERROR: existing tx with same hash"
/// before anything generic).
enum NodeErrorPatterns {
    static let ordered: [NodeErrorPattern] = specificFirst + alreadySent + nonces + funds + fees + invalid + transient

    /// Texts that contain a more general fragment below and must win over it.
    private static let specificFirst: [NodeErrorPattern] = [
        // go-ethereum core/txpool/errors.go ErrAuthorityNonceTooLow: an EIP-7702 authorization,
        // which we never send; not our transaction's nonce.
        NodeErrorPattern("authority nonce too low", .giveUp),
        // go-ethereum core/error.go ErrInsufficientFundsForTransfer / ErrInsufficientFunds are
        // covered below; ErrFeeCapTooLow "max fee per gas less than block base fee" and the older
        // "fee cap less than block base fee" must not fall into the "max fee per gas" giveUp texts.
        NodeErrorPattern("less than block base fee", .fixFees),
    ]

    private static let alreadySent: [NodeErrorPattern] = [
        // go-ethereum core/txpool/errors.go ErrAlreadyKnown "already known" (Nethermind
        // TxPoolErrorMessages.AlreadyKnown and Besu's geth-compatible answers use the same words).
        NodeErrorPattern("already known", .alreadySent),
        // Besu RpcErrorType ETH_SEND_TX_ALREADY_KNOWN "Known transaction";
        // TransactionInvalidReason.TRANSACTION_ALREADY_KNOWN.
        NodeErrorPattern("known transaction", .alreadySent),
        NodeErrorPattern("transaction_already_known", .alreadySent),
        // Nethermind before its geth-compatible messages: AcceptTxResult code "AlreadyKnown".
        NodeErrorPattern("alreadyknown", .alreadySent),
        // Erigon txpoolcfg DiscardReason DuplicateHash "existing txn with same hash" (older:
        // "existing tx with same hash"), reported as "INTERNAL_ERROR: …"; ImportResult ALREADY_EXISTS.
        NodeErrorPattern("existing txn with same hash", .alreadySent),
        NodeErrorPattern("existing tx with same hash", .alreadySent),
        NodeErrorPattern("already_exists", .alreadySent),
        // OpenEthereum/Parity "Transaction with the same hash was already imported."
        NodeErrorPattern("already imported", .alreadySent),
    ]

    private static let nonces: [NodeErrorPattern] = [
        // go-ethereum core/error.go ErrNonceTooLow "nonce too low" (also Nethermind
        // TxPoolErrorMessages.NonceTooLow, Erigon DiscardReason NonceTooLow, Besu geth-compatible);
        // Besu RpcErrorType NONCE_TOO_LOW "Nonce too low"; OpenEthereum "Transaction nonce is too low".
        NodeErrorPattern("nonce too low", .nonceTooLow),
        NodeErrorPattern("nonce is too low", .nonceTooLow),
        NodeErrorPattern("nonce_too_low", .nonceTooLow),
        // Nethermind AcceptTxResult.OldNonce (older code text "OldNonce").
        NodeErrorPattern("oldnonce", .nonceTooLow),
        // go-ethereum core/error.go ErrNonceTooHigh "nonce too high"; Besu NONCE_TOO_HIGH
        // "Nonce too high", NONCE_TOO_FAR_IN_FUTURE_FOR_SENDER "Transaction nonce is too distant
        // from current sender nonce", LOWER_NONCE_INVALID_TRANSACTION_EXISTS, older INCORRECT_NONCE
        // "Incorrect nonce"; Nethermind NonceGap / NonceTooFarInFuture "nonce too far in future".
        NodeErrorPattern("nonce too high", .nonceTooHigh),
        NodeErrorPattern("nonce_too_high", .nonceTooHigh),
        NodeErrorPattern("nonce too far in future", .nonceTooHigh),
        NodeErrorPattern("nonce_too_far_in_future", .nonceTooHigh),
        NodeErrorPattern("noncetoofarinfuture", .nonceTooHigh),
        NodeErrorPattern("too distant from current sender nonce", .nonceTooHigh),
        NodeErrorPattern("invalid transaction with a lower nonce exists", .nonceTooHigh),
        NodeErrorPattern("incorrect nonce", .nonceTooHigh),
        NodeErrorPattern("noncegap", .nonceTooHigh),
        // go-ethereum core/error.go ErrNonceMax "nonce has max value": the account is exhausted.
        NodeErrorPattern("nonce has max value", .giveUp),
    ]

    private static let funds: [NodeErrorPattern] = [
        // go-ethereum core/error.go ErrInsufficientFunds "insufficient funds for gas * price + value",
        // ErrInsufficientFundsForTransfer; Nethermind InsufficientFunds; Erigon "insufficient funds".
        NodeErrorPattern("insufficient funds", .waitForFunds),
        NodeErrorPattern("insufficientfunds", .waitForFunds),
        // go-ethereum core/txpool/errors.go ErrOverdraft: the sender's pooled transactions
        // together would spend more than its balance.
        NodeErrorPattern("transaction would cause overdraft", .waitForFunds),
        // Besu RpcErrorType TRANSACTION_UPFRONT_COST_EXCEEDS_BALANCE
        // "Upfront cost exceeds account balance"; TransactionInvalidReason.UPFRONT_COST_EXCEEDS_BALANCE.
        NodeErrorPattern("upfront cost exceeds account balance", .waitForFunds),
        NodeErrorPattern("upfront_cost_exceeds_balance", .waitForFunds),
    ]

    private static let fees: [NodeErrorPattern] = [
        // go-ethereum core/txpool/errors.go ErrReplaceUnderpriced "replacement transaction
        // underpriced", ErrUnderpriced "transaction underpriced"; Erigon DiscardReason UnderPriced
        // "underpriced", FeeTooLow "fee too low", NotReplaced "could not replace existing tx";
        // Besu REPLACEMENT_UNDERPRICED / TRANSACTION_REPLACEMENT_UNDERPRICED.
        NodeErrorPattern("underpriced", .fixFees),
        NodeErrorPattern("fee too low", .fixFees),
        NodeErrorPattern("could not replace existing tx", .fixFees),
        // Nethermind AcceptTxResult FeeTooLow / FeeTooLowToCompete / ReplacementNotAllowed (older code texts).
        NodeErrorPattern("feetoolow", .fixFees),
        NodeErrorPattern("replacementnotallowed", .fixFees),
        // Besu RpcErrorType GAS_PRICE_TOO_LOW "Gas price below configured minimum gas price",
        // GAS_PRICE_BELOW_CURRENT_BASE_FEE "Gas price below current base fee",
        // TX_FEECAP_EXCEEDED "Transaction fee cap exceeded"; TransactionInvalidReason names.
        NodeErrorPattern("below configured minimum", .fixFees),
        NodeErrorPattern("below current base fee", .fixFees),
        NodeErrorPattern("gas_price_too_low", .fixFees),
        NodeErrorPattern("transaction_price_too_low", .fixFees),
        NodeErrorPattern("below_current_base_fee", .fixFees),
        NodeErrorPattern("fee cap exceeded", .fixFees),
        NodeErrorPattern("tx_feecap_exceeded", .fixFees),
        // go-ethereum internal/ethapi checkTxFee "tx fee (%.2f ether) exceeds the configured cap
        // (%.2f ether)"; Besu's geth-compatible "tx fee exceeds the configured cap".
        NodeErrorPattern("exceeds the configured cap", .fixFees),
    ]

    private static let invalid: [NodeErrorPattern] = [
        // go-ethereum core/txpool/errors.go ErrInvalidSender "invalid sender" (Besu maps
        // INVALID_SIGNATURE and WRONG_CHAIN_ID to it too), ErrGasLimit "exceeds block gas limit",
        // ErrOversizedData "oversized data", ErrNegativeValue "negative value".
        NodeErrorPattern("invalid sender", .giveUp),
        NodeErrorPattern("exceeds block gas limit", .giveUp),
        NodeErrorPattern("oversized data", .giveUp),
        NodeErrorPattern("negative value", .giveUp),
        // go-ethereum core/error.go ErrIntrinsicGas "intrinsic gas too low", ErrTipAboveFeeCap
        // "max priority fee per gas higher than max fee per gas" (older: "tip higher than fee cap"),
        // ErrTipVeryHigh/ErrFeeCapVeryHigh "… higher than 2^256-1", ErrMaxInitCodeSizeExceeded,
        // ErrGasUintOverflow, ErrSenderNoEOA, ErrTxTypeNotSupported "transaction type not supported".
        NodeErrorPattern("intrinsic gas", .giveUp),
        NodeErrorPattern("higher than max fee per gas", .giveUp),
        NodeErrorPattern("tip higher than fee cap", .giveUp),
        NodeErrorPattern("higher than 2^256-1", .giveUp),
        NodeErrorPattern("max initcode size exceeded", .giveUp),
        NodeErrorPattern("gas uint64 overflow", .giveUp),
        NodeErrorPattern("sender not an eoa", .giveUp),
        NodeErrorPattern("transaction type not supported", .giveUp),
        // go-ethereum core/error.go ErrFloorDataGas (Prague, EIP-7623)
        // "insufficient gas for floor data gas cost": the gas limit is too low for the calldata.
        NodeErrorPattern("floor data gas", .giveUp),
        // go-ethereum core/types: ErrInvalidChainId "invalid chain id for signer", ErrInvalidSig
        // "invalid transaction v, r, s values"; internal/ethapi "only replay-protected (EIP-155)
        // transactions allowed over RPC"; rlp decoding errors "rlp: …".
        NodeErrorPattern("invalid chain id", .giveUp),
        NodeErrorPattern("invalid transaction v, r, s values", .giveUp),
        NodeErrorPattern("only replay-protected", .giveUp),
        NodeErrorPattern("rlp:", .giveUp),
        // Besu RpcErrorType INVALID_TRANSACTION_SIGNATURE "Invalid signature", INTRINSIC_GAS_EXCEEDS_LIMIT,
        // EXCEEDS_BLOCK_GAS_LIMIT "Transaction gas limit exceeds block gas limit",
        // MAX_PRIORITY_FEE_PER_GAS_EXCEEDS_MAX_FEE_PER_GAS, WRONG_CHAIN_ID "Wrong chainId",
        // REPLAY_PROTECTED_SIGNATURES_NOT_SUPPORTED "ChainId not supported",
        // REPLAY_PROTECTED_SIGNATURE_REQUIRED "ChainId is required", TX_SENDER_NOT_AUTHORIZED,
        // INVALID_TRANSACTION_TYPE, REVERT_ERROR "Execution reverted"; TransactionInvalidReason names.
        NodeErrorPattern("invalid signature", .giveUp),
        NodeErrorPattern("invalid_signature", .giveUp),
        NodeErrorPattern("intrinsic_gas_exceeds_gas_limit", .giveUp),
        NodeErrorPattern("exceeds_block_gas_limit", .giveUp),
        NodeErrorPattern("max priority fee per gas exceeds max fee per gas", .giveUp),
        NodeErrorPattern("max_priority_fee_per_gas_exceeds_max_fee_per_gas", .giveUp),
        NodeErrorPattern("wrong chainid", .giveUp),
        NodeErrorPattern("wrong_chain_id", .giveUp),
        NodeErrorPattern("chainid not supported", .giveUp),
        NodeErrorPattern("chainid is required", .giveUp),
        NodeErrorPattern("not authorized to send transactions", .giveUp),
        NodeErrorPattern("invalid transaction type", .giveUp),
        NodeErrorPattern("execution reverted", .giveUp),
        // Nethermind TxPoolErrorMessages: GasLimitReached "gas limit reached" (AcceptTxResult
        // GasLimitExceeded), FailedToRecoverSender, TransactionOverflow "transaction cost overflow",
        // TransactionTooLarge, UnsupportedTransactionType; older AcceptTxResult code texts.
        NodeErrorPattern("gas limit reached", .giveUp),
        NodeErrorPattern("failed to recover sender", .giveUp),
        NodeErrorPattern("transaction cost overflow", .giveUp),
        NodeErrorPattern("transaction too large", .giveUp),
        NodeErrorPattern("unsupported transaction type", .giveUp),
        NodeErrorPattern("failedtoresolvesender", .giveUp),
        NodeErrorPattern("gaslimitexceeded", .giveUp),
        NodeErrorPattern("int256overflow", .giveUp),
        NodeErrorPattern("maxtxsizeexceeded", .giveUp),
        NodeErrorPattern("senderiscontract", .giveUp),
        NodeErrorPattern("notsupportedtxtype", .giveUp),
        // Erigon txpoolcfg DiscardReason: IntrinsicGas "IntrinsicGas", RLPTooLong, GasUintOverflow
        // (matched above as "intrinsic gas" only with a space), InitCodeTooLarge "initcode too large".
        NodeErrorPattern("intrinsicgas", .giveUp),
        NodeErrorPattern("rlptoolong", .giveUp),
        NodeErrorPattern("gasuintoverflow", .giveUp),
        NodeErrorPattern("initcode too large", .giveUp),
    ]

    /// Listed so that these texts stay `retryLater` even under an error code that would
    /// otherwise mean `giveUp` (see `RecoveryAction.actionForCode`).
    private static let transient: [NodeErrorPattern] = [
        // go-ethereum: "header not found" (state not yet available), "missing trie node",
        // core/txpool/errors.go ErrTxPoolOverflow "txpool is full", ErrAccountLimitExceeded,
        // ErrFutureReplacePending, ErrAlreadyReserved.
        NodeErrorPattern("header not found", .retryLater),
        NodeErrorPattern("missing trie node", .retryLater),
        NodeErrorPattern("txpool is full", .retryLater),
        NodeErrorPattern("account limit exceeded", .retryLater),
        NodeErrorPattern("future transaction tries to replace pending", .retryLater),
        NodeErrorPattern("address already reserved", .retryLater),
        // Erigon DiscardReason Spammer, "… sub-pool is full"; Nethermind NodeIsSyncing "node is
        // syncing"; Besu CHAIN_HEAD_WORLD_STATE_NOT_AVAILABLE "Initial sync is still in progress",
        // TX_POOL_DISABLED "Transaction pool not enabled", TIMEOUT_ERROR "Timeout expired".
        NodeErrorPattern("spammer", .retryLater),
        NodeErrorPattern("pool is full", .retryLater),
        NodeErrorPattern("node is syncing", .retryLater),
        NodeErrorPattern("sync is still in progress", .retryLater),
        NodeErrorPattern("transaction pool not enabled", .retryLater),
        NodeErrorPattern("timeout", .retryLater),
        NodeErrorPattern("timed out", .retryLater),
        // Hosted providers' rate limits (e.g. -32005 "limit exceeded", "daily request count exceeded,
        // request rate limited", "Too Many Requests").
        NodeErrorPattern("rate limit", .retryLater),
        NodeErrorPattern("too many requests", .retryLater),
        NodeErrorPattern("limit exceeded", .retryLater),
    ]
}
