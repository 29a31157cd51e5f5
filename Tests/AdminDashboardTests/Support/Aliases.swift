import BroadcastModel

/// A request's id is the broadcaster's, not Hummingbird's request id.
typealias RequestID = BroadcastModel.RequestID
