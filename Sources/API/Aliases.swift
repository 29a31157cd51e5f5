import BroadcastModel
import HTTPTypes

/// Hummingbird has a `RequestID` of its own (the per-request log id); ours names a broadcast request.
typealias RequestID = BroadcastModel.RequestID
