import Foundation

/// `devchain/flaky_proxy.py` in front of a node: the slow, unreliable node of production,
/// time-scaled so tests stay short. `dev_` commands sent through it reach the node at once,
/// without a fault and without a draw, so they never change a seeded run.
public struct FlakyProxy: Sendable {
    /// The proxy's knobs; nil leaves the proxy's own default.
    public struct Options: Sendable {
        /// Makes runs repeatable.
        public var seed: UInt64
        /// Divides every delay: 100 turns the node's 20-30 s into 0.2-0.3 s.
        public var timeScale: Double
        /// Probability that a call gets no answer at all.
        public var pSilent: Double?
        /// Probability that a call gets an error answer.
        public var pError: Double?
        /// Answer latency bounds, in unscaled seconds.
        public var latencyMin: Double?
        public var latencyMax: Double?
        /// Fraction of silent calls that still reach the node (a timed-out send that landed).
        public var silentForwardFraction: Double?
        /// Only calls of these methods get faults (nil: every call); the others are answered
        /// by the node at once, so a test can lose the answers of sends alone.
        public var faultMethods: [String]?

        public init(
            seed: UInt64 = 1, timeScale: Double = 100, pSilent: Double? = nil, pError: Double? = nil,
            latencyMin: Double? = nil, latencyMax: Double? = nil, silentForwardFraction: Double? = nil,
            faultMethods: [String]? = nil
        ) {
            self.seed = seed
            self.timeScale = timeScale
            self.pSilent = pSilent
            self.pError = pError
            self.latencyMin = latencyMin
            self.latencyMax = latencyMax
            self.silentForwardFraction = silentForwardFraction
            self.faultMethods = faultMethods
        }

        var arguments: [String] {
            var arguments = ["--seed", String(seed), "--time-scale", String(timeScale)]
            if let pSilent { arguments += ["--p-silent", String(pSilent)] }
            if let pError { arguments += ["--p-error", String(pError)] }
            if let latencyMin { arguments += ["--latency-min", String(latencyMin)] }
            if let latencyMax { arguments += ["--latency-max", String(latencyMax)] }
            if let silentForwardFraction { arguments += ["--silent-forward-fraction", String(silentForwardFraction)] }
            if let faultMethods { arguments += ["--fault-methods", faultMethods.joined(separator: ",")] }
            return arguments
        }
    }

    /// The proxy's JSON-RPC URL.
    public var url: String { process.url }
    private let process: DevProcess

    /// Starts a proxy forwarding to `upstream`, on `port` (0: a free one). A proxy stopped and
    /// started again on its port is a node that went away and came back at the same address.
    public static func start(upstream: String, options: Options = .init(), port: Int = 0) async throws -> FlakyProxy {
        let root = try RepositoryRoot.locate()
        let arguments = ["--upstream", upstream, "--host", "127.0.0.1", "--port", String(port)] + options.arguments
        let process = try await DevProcess.launch(
            name: "flaky-proxy",
            executable: try RepositoryRoot.python(),
            arguments: PythonLauncher.arguments(
                script: [root.appendingPathComponent("devchain/flaky_proxy.py").path], arguments))
        return FlakyProxy(process: process)
    }

    /// Stops the proxy.
    public func stop() async { await process.stop() }
}

/// Runs `body` with a proxy in front of `upstream` and stops the proxy afterwards, also on error.
public func withFlakyProxy<T: Sendable>(
    upstream: String,
    options: FlakyProxy.Options = .init(),
    _ body: (FlakyProxy) async throws -> T
) async throws -> T {
    let proxy = try await FlakyProxy.start(upstream: upstream, options: options)
    do {
        let result = try await body(proxy)
        await proxy.stop()
        return result
    } catch {
        await proxy.stop()
        throw error
    }
}
