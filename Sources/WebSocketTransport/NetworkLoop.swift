import CLibWebSockets
import Clocks
import Dispatch
import FoundationEssentials
import Glibc
import Synchronization

/// The process's single libwebsockets context and the thread that services it.
///
/// Contract:
/// - One per process (several lws TLS contexts in one process break each other's handshakes);
///   a second `start` fails with `TransportError.loopAlreadyRunning`.
/// - Every lws call happens on the service thread. Public methods may be called from any thread:
///   they queue a command and wake the loop with `lws_cancel_service`, the only lws call made
///   elsewhere.
/// - Delegates are called on the service thread. Each `open` ends with exactly one `didClose`
///   (unless the loop is stopped first).
/// - Messages are delivered whole: fragments, including a zero-length final one, are joined.
/// - Host names are resolved on a thread of their own (`NameResolver`), never on the service
///   thread, so a slow or failing lookup stalls no other connection.
/// - Nothing here runs on Dispatch's global queues: work there starts libdispatch's pool monitor,
///   which then wakes the process every second for as long as it runs.
/// - `fetch` makes one-shot HTTP GET requests on the same context (same TLS stack and CA file),
///   each ended by its own deadline however the server behaves.
/// - Reading pauses (`lws_rx_flow_control`) while the `ReceiveBudget` is above its high mark and
///   resumes when consumers `release` enough bytes.
/// - A `Pacemaker` given to `start` is kept in time by the service thread: called after a pass of
///   `lws_service` that delivered messages and by a timer in the same `poll`, never by another
///   thread. `afterEachPass`, if given, runs on the service thread after every pass, before the
///   pacemaker: where delegates set going what the pass's messages were handed to, or hold them
///   for the next pass, which then polls without waiting (`PassHandOff`).
public final class NetworkLoop: @unchecked Sendable {
    // @unchecked: the mutable state below "Owned by the service thread" is touched only there
    // (`handle` and `drainCommands`, lws's entry points, check it); the rest is immutable or locked.
    /// Settings fixed for the context's life.
    public struct Options: Sendable {
        /// An extra trust anchor (PEM) on top of the system store, which is read by hash one root at
        /// a time (`sc_tls_trust_system_store`). Verification is always on.
        public var caFile: String?
        /// Size of lws's per-thread receive buffer: the largest chunk a callback gets.
        public var receiveChunkBytes = 65_536
        /// Messages are cut beyond this many bytes (the rest is discarded and the message flagged).
        public var maximumMessageBytes = 64 << 20
        /// Seconds without a pong before lws pings; must be below `hangupAfterSeconds`.
        public var pingAfterSeconds: UInt16 = 30
        /// Seconds without a pong before lws hangs up.
        public var hangupAfterSeconds: UInt16 = 40
        /// Seconds allowed for TCP, TLS and the upgrade together.
        public var connectTimeoutSeconds: UInt32 = 10

        public init(caFile: String? = nil) { self.caFile = caFile }
    }

    private enum Command {
        case open(Connection)
        case fetch(Fetch)
        case expire(ConnectionID)
        case dial(ConnectionID, Result<String, TransportError>)
        case send(ConnectionID, [UInt8])
        case close(ConnectionID, UInt16, String)
        case reconcileFlow
        case repace
        case probe(@Sendable () -> Void)
        case stop
    }

    /// One HTTP GET in flight. Created by the caller, then owned by the service thread alone.
    private final class Fetch: @unchecked Sendable {
        // @unchecked: handed to the service thread once, through the command queue's lock.
        let id: ConnectionID
        let request: HTTPRequest
        let completion: @Sendable (Result<HTTPResponse, TransportError>) -> Void
        var wsi: OpaquePointer?
        var status = 0
        var retryAfter: String?
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var finished = false

        init(id: ConnectionID, request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
            self.id = id
            self.request = request
            self.completion = completion
        }
    }

    /// One WebSocket connection. Created by the caller, then owned by the service thread alone.
    private final class Connection: @unchecked Sendable {
        // @unchecked: handed to the service thread once, through the command queue's lock.
        let id: ConnectionID
        let delegate: any WebSocketDelegate
        let target: NetworkTarget
        var wsi: OpaquePointer?
        var established = false
        var finished = false
        var receiving = true
        var message: [UInt8] = []
        var messageBinary = false
        var messageTruncated = false
        var inMessage = false
        var outgoing: [[UInt8]] = []
        var closeRequest: (code: UInt16, reason: String)?
        var serverClose: (code: UInt16?, reason: String)?

        init(id: ConnectionID, delegate: any WebSocketDelegate, target: NetworkTarget) {
            self.id = id
            self.delegate = delegate
            self.target = target
        }
    }

    private static let running = Atomic<Bool>(false)

    public let options: Options
    public let budget: ReceiveBudget
    /// When the service thread last came back from a pass of `lws_service`: proof, like an
    /// answered `probe`, that it turns, without waking it.
    public let lastTurn = MonotonicStamp()
    private let commands = Mutex<[Command]>([])
    private let nextID = Atomic<UInt64>(1)
    private let stopped = DispatchSemaphore(value: 0)
    /// Deadlines set from other threads: a fetch's expiry, `stop`'s nudge.
    private let deadlines = DispatchQueue(label: "stream-collector.network-deadlines")
    private let contextHandle = Mutex<ContextHandle?>(nil)

    // Owned by the service thread.
    private var serviceThread: pthread_t?
    private var connections: [ConnectionID: Connection] = [:]
    private var fetches: [ConnectionID: Fetch] = [:]
    private var stopping = false
    private var stopDeadline: UInt64 = 0
    private var receivingApplied = true
    private var pacemaker: (any Pacemaker)?
    /// Called on the service thread after each `lws_service` pass (`start(pacemaker:afterEachPass:)`).
    private var afterEachPass: (@Sendable (_ loopEnding: Bool) -> PassHandOff)?
    /// `afterEachPass` held the last pass's messages back: the next pass must not wait.
    private var holding = false
    private var paceSchedule = PaceSchedule.never
    /// When the last message was delivered, if the beat has not been kept with it yet (it waits
    /// while `afterEachPass` holds the messages).
    private var lastDeliveryNanos: Int64?

    // C memory that must stay alive and unmoved for the context's life.
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let protocolName: UnsafeMutablePointer<CChar>
    private let getMethod: UnsafeMutablePointer<CChar>
    private let http11: UnsafeMutablePointer<CChar>
    private let retryPolicy: UnsafeMutablePointer<lws_retry_bo_t>
    private let caPath: UnsafeMutablePointer<CChar>?
    private let paceTimer: UnsafeMutablePointer<sc_lws_timer>

    /// Creates the loop; nothing runs until `start`.
    /// - Parameter log: receives libwebsockets' own warning and error lines.
    public init(options: Options, budget: ReceiveBudget, log: @escaping @Sendable (_ isError: Bool, _ line: String) -> Void) {
        self.options = options
        self.budget = budget
        protocolName = strdup("stream-collector")!
        getMethod = strdup("GET")!
        http11 = strdup("http/1.1")!
        caPath = options.caFile.map { strdup($0)! }
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(protocolName)
        protocols[0].callback = networkLoopCallback
        protocols[0].rx_buffer_size = options.receiveChunkBytes
        retryPolicy = .allocate(capacity: 1)
        var policy = lws_retry_bo_t()
        policy.secs_since_valid_ping = options.pingAfterSeconds
        policy.secs_since_valid_hangup = options.hangupAfterSeconds
        retryPolicy.initialize(to: policy)
        paceTimer = .allocate(capacity: 1)
        paceTimer.initialize(to: sc_lws_timer())
        LibraryLog.install(log)
    }

    deinit {
        protocols.deallocate()
        retryPolicy.deallocate()
        paceTimer.deallocate()
        free(protocolName)
        free(getMethod)
        free(http11)
        if let caPath { free(caPath) }
    }

    /// Creates the lws context and starts the service thread, which keeps `pacemaker` in time and
    /// calls `afterEachPass` once a pass of `lws_service` has delivered what it read: where work
    /// handed off during the pass is set going, one hop per pass however many messages it held,
    /// or held for the next pass (`PassHandOff.holding`), which then runs without waiting. Its
    /// argument is false after a pass; true for one last call as the loop ends, when nothing may
    /// be held.
    public func start(pacemaker: (any Pacemaker)? = nil, afterEachPass: (@Sendable (_ loopEnding: Bool) -> PassHandOff)? = nil) throws(TransportError) {
        guard !Self.running.exchange(true, ordering: .acquiringAndReleasing) else { throw .loopAlreadyRunning }
        var info = lws_context_creation_info()
        info.port = CONTEXT_PORT_NO_LISTEN
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        // The system store is trusted by `sc_tls_trust_system_store` (by hash, one root at a time),
        // not by lws's default, which parses and keeps every root of the bundle.
        info.options = UInt64(LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT) | UInt64(LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS)
        info.user = Unmanaged.passUnretained(self).toOpaque()
        info.pt_serv_buf_size = UInt32(options.receiveChunkBytes)
        info.client_ssl_ca_filepath = caPath.map { UnsafePointer($0) }
        info.timeout_secs = options.connectTimeoutSeconds
        info.connect_timeout_secs = options.connectTimeoutSeconds
        info.retry_and_idle_policy = UnsafePointer(retryPolicy)
        info.count_threads = 1
        // lws calls back while it creates the context, on this thread; then only on the service thread.
        serviceThread = pthread_self()
        guard let context = lws_create_context(&info) else {
            Self.running.store(false, ordering: .releasing)
            throw .contextCreationFailed(LibraryLog.takeLastError() ?? "lws_create_context returned nothing (is the CA file readable PEM?)")
        }
        contextHandle.withLock { $0 = ContextHandle(pointer: context) }
        self.pacemaker = pacemaker
        self.afterEachPass = afterEachPass
        paceTimer.pointee.owner = Unmanaged.passUnretained(self).toOpaque()
        NamedThread.start(name: "lws-service") { [self] in serviceLoop() }
    }

    /// Closes every connection politely (1000), stops the thread and destroys the context.
    /// Waits at most `timeout` seconds.
    public func stop(timeout: Double = 1.5) {
        guard contextHandle.withLock({ $0?.pointer }) != nil else { return }
        enqueue(.stop)
        deadlines.asyncAfter(deadline: .now() + min(0.5, timeout / 2)) { [self] in
            if let context = contextHandle.withLock({ $0?.pointer }) { lws_cancel_service(context) }
        }
        _ = stopped.wait(timeout: .now() + timeout)
    }

    /// Starts connecting to `target`. The delegate hears `didOpen`, messages, and one `didClose`.
    public func open(_ target: NetworkTarget, delegate: any WebSocketDelegate) -> ConnectionID {
        let id = ConnectionID(rawValue: nextID.add(1, ordering: .relaxed).oldValue)
        enqueue(.open(Connection(id: id, delegate: delegate, target: target)))
        resolve(target, for: id)
        return id
    }

    /// Sends `GET request.target` and calls `completion` once, on the service thread, with the
    /// whole response (any status) or why there is none: a failure, or `requestTimedOut` when the
    /// exchange has not ended within `request.timeoutSeconds`.
    public func fetch(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, TransportError>) -> Void) {
        let id = ConnectionID(rawValue: nextID.add(1, ordering: .relaxed).oldValue)
        enqueue(.fetch(Fetch(id: id, request: request, completion: completion)))
        resolve(request.target, for: id)
        deadlines.asyncAfter(deadline: .now() + .seconds(request.timeoutSeconds)) { [self] in enqueue(.expire(id)) }
    }

    /// Looks the host up off the service thread, then has the loop dial the address.
    private func resolve(_ target: NetworkTarget, for id: ConnectionID) {
        guard !NameResolver.isNumeric(target.host) else { return enqueue(.dial(id, .success(target.host))) }
        NamedThread.start(name: "resolve") { [self] in enqueue(.dial(id, NameResolver.resolve(target.host))) }
    }

    /// Queues a text message; sent in order once the connection is writable.
    public func send(text: [UInt8], on connection: ConnectionID) {
        enqueue(.send(connection, text))
    }

    /// Sends a close frame with `code` and ends the connection.
    public func close(_ connection: ConnectionID, code: UInt16 = 1000, reason: String = "") {
        enqueue(.close(connection, code, reason))
    }

    /// Runs `answer` on the service thread once it next turns: proof that it is not wedged.
    public func probe(_ answer: @escaping @Sendable () -> Void) {
        enqueue(.probe(answer))
    }

    /// Has the pacemaker asked for its schedule again (it changed), on the service thread.
    public func repace() {
        enqueue(.repace)
    }

    /// Reports that `bytes` of delivered messages have been fully handled downstream.
    public func release(bytes: Int) {
        if budget.credit(bytes) { enqueue(.reconcileFlow) }
    }

    private func enqueue(_ command: Command) {
        commands.withLock { $0.append(command) }
        if let context = contextHandle.withLock({ $0?.pointer }) { lws_cancel_service(context) }
    }

    // MARK: - Service thread

    private func serviceLoop() {
        guard let context = contextHandle.withLock({ $0?.pointer }) else { return }
        serviceThread = pthread_self()
        pace(because: .schedule, nowNanos: MonotonicClock.nowNanoseconds())
        while !(stopping && (connections.isEmpty || DispatchTime.now().uptimeNanoseconds >= stopDeadline)) {
            // A negative timeout polls without waiting; 0 waits for input or lws's next timer.
            if lws_service(context, holding ? -1 : 0) < 0 { break }
            passEnded()
            lastTurn.set()
        }
        if holding { _ = afterEachPass?(true) }
        connections.removeAll()
        lws_sul_cancel(paceTimerNode)
        lws_context_destroy(context)
        contextHandle.withLock { $0 = nil }
        Self.running.store(false, ordering: .releasing)
        stopped.signal()
    }

    /// Traps unless called on the service thread: lws calls back only there, and only there may
    /// its state be touched.
    private func assertOnServiceThread() {
        precondition(serviceThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false, "NetworkLoop state touched off its service thread")
    }

    fileprivate func handle(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ input: UnsafeMutableRawPointer?, _ length: Int) -> Int32 {
        assertOnServiceThread()
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            drainCommands()
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            guard let connection = connection(for: wsi) else { return -1 }
            connection.wsi = wsi
            connection.established = true
            if !receivingApplied { setReceiving(false, connection) }
            if !stopping { connection.delegate.webSocketDidOpen(connection.id) }
            if connection.closeRequest != nil || !connection.outgoing.isEmpty { lws_callback_on_writable(wsi) }
        case LWS_CALLBACK_CLIENT_RECEIVE:
            guard let connection = connection(for: wsi) else { return -1 }
            receive(connection, wsi, input, length)
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            guard let connection = connection(for: wsi) else { return -1 }
            return writable(connection, wsi)
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            guard let connection = connection(for: wsi) else { return 0 }
            connection.serverClose = Self.parseClose(input, length)
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
            guard let fetch = fetch(for: wsi), let input else { return 0 }
            return appendHeaders(fetch.request.headers, wsi, input.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self), length)
        case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
            guard let fetch = fetch(for: wsi) else { return 0 }
            fetch.status = Int(lws_http_client_http_response(wsi))
            var value = [CChar](repeating: 0, count: 256)
            let length = Int32(value.count)
            if lws_hdr_copy(wsi, &value, length, WSI_TOKEN_HTTP_RETRY_AFTER) > 0 {
                fetch.retryAfter = String(nulTerminated: value)
            }
            for name in fetch.request.capturedHeaders {
                let token = name + ":"
                if lws_hdr_custom_copy(wsi, &value, length, token, Int32(token.utf8.count)) >= 0 {
                    fetch.headers[name] = String(nulTerminated: value)
                }
            }
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
            guard fetch(for: wsi) != nil else { return 0 }
            return readHTTPBody(wsi)
        case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
            guard let fetch = fetch(for: wsi) else { return 0 }
            if let input, length > 0 {
                guard fetch.body.count + length <= fetch.request.maximumBodyBytes else {
                    finish(fetch, .failure(.requestFailed("the response is larger than \(fetch.request.maximumBodyBytes) bytes")))
                    return -1
                }
                fetch.body.append(contentsOf: UnsafeRawBufferPointer(start: input, count: length))
            }
        case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
            guard let fetch = fetch(for: wsi) else { return 0 }
            finish(fetch, .success(HTTPResponse(status: fetch.status, retryAfter: fetch.retryAfter, headers: fetch.headers, body: fetch.body)))
        case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
            guard let fetch = fetch(for: wsi) else { return 0 }
            finish(fetch, .failure(.requestFailed("the connection closed before the response was complete")))
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let detail = (input.map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown error")
                + (LibraryLog.takeLastError().map { " (\($0))" } ?? "")
            if let fetch = fetch(for: wsi) {
                finish(fetch, .failure(.requestFailed(detail)))
            } else if let connection = connection(for: wsi) {
                finish(connection, .failedToConnect(detail))
            }
        case LWS_CALLBACK_CLIENT_CLOSED:
            guard let connection = connection(for: wsi) else { return 0 }
            finish(connection, closeReason(connection))
        case LWS_CALLBACK_WSI_DESTROY:
            if let fetch = fetch(for: wsi) {
                finish(fetch, .failure(.requestFailed(LibraryLog.takeLastError() ?? "the connection ended before a response")))
                return 0
            }
            guard let connection = connection(for: wsi) else { return 0 }
            finish(connection, connection.established ? closeReason(connection) : .failedToConnect(LibraryLog.takeLastError() ?? "connection closed during the handshake"))
        default:
            break
        }
        return 0
    }

    private static func id(of wsi: OpaquePointer) -> ConnectionID? {
        guard let opaque = lws_get_opaque_user_data(wsi) else { return nil }
        return ConnectionID(rawValue: UInt64(UInt(bitPattern: opaque)))
    }

    private func connection(for wsi: OpaquePointer) -> Connection? {
        Self.id(of: wsi).flatMap { connections[$0] }
    }

    private func fetch(for wsi: OpaquePointer) -> Fetch? {
        Self.id(of: wsi).flatMap { fetches[$0] }
    }

    private func finish(_ fetch: Fetch, _ result: Result<HTTPResponse, TransportError>) {
        guard !fetch.finished else { return }
        fetch.finished = true
        fetch.wsi = nil
        fetches[fetch.id] = nil
        if !stopping { fetch.completion(result) }
    }

    /// Writes `headers` into the request lws is building (`cursor` points at its write position,
    /// `room` bytes remain); -1 when they do not fit.
    private func appendHeaders(_ headers: [(name: String, value: String)], _ wsi: OpaquePointer,
                               _ cursor: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, _ room: Int) -> Int32 {
        guard let start = cursor.pointee else { return -1 }
        let end = start + room
        for header in headers {
            let name = Array((header.name.lowercased() + ":").utf8) + [0]
            let value = Array(header.value.utf8)
            let failed = name.withUnsafeBufferPointer { name in
                value.withUnsafeBufferPointer { value in
                    lws_add_http_header_by_name(wsi, name.baseAddress, value.baseAddress, Int32(value.count), cursor, end) != 0
                }
            }
            if failed { return -1 }
        }
        return 0
    }

    /// Drains received body bytes; lws calls back with them as `RECEIVE_CLIENT_HTTP_READ`.
    private func readHTTPBody(_ wsi: OpaquePointer) -> Int32 {
        let headroom = Int(sc_lws_pre())
        var buffer = [CChar](repeating: 0, count: headroom + 16_384)
        return buffer.withUnsafeMutableBufferPointer { storage in
            var start: UnsafeMutablePointer<CChar>? = storage.baseAddress! + headroom
            var length = Int32(storage.count - headroom)
            return lws_http_client_read(wsi, &start, &length) < 0 ? -1 : 0
        }
    }

    private func closeReason(_ connection: Connection) -> CloseReason {
        if let close = connection.serverClose { return .closedByServer(code: close.code, reason: close.reason) }
        if connection.closeRequest != nil { return .closedByClient }
        return .connectionLost
    }

    private func finish(_ connection: Connection, _ reason: CloseReason) {
        guard !connection.finished else { return }
        connection.finished = true
        connection.wsi = nil
        connections[connection.id] = nil
        if !stopping { connection.delegate.webSocket(connection.id, didClose: reason) }
    }

    private func drainCommands() {
        assertOnServiceThread()
        let pending = commands.withLock { queue in
            defer { queue.removeAll() }
            return queue
        }
        for command in pending {
            switch command {
            case .open(let connection):
                connections[connection.id] = connection
            case .fetch(let fetch):
                fetches[fetch.id] = fetch
            case .expire(let id):
                guard let fetch = fetches[id] else { continue }
                if let wsi = fetch.wsi { lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC) }
                finish(fetch, .failure(.requestTimedOut(seconds: fetch.request.timeoutSeconds)))
            case .dial(let id, let address):
                dial(id, address)
            case .send(let id, let text):
                guard let connection = connections[id] else { continue }
                connection.outgoing.append(text)
                if connection.established, let wsi = connection.wsi { lws_callback_on_writable(wsi) }
            case .close(let id, let code, let reason):
                guard let connection = connections[id] else { continue }
                connection.closeRequest = (code, reason)
                if connection.established, let wsi = connection.wsi {
                    lws_callback_on_writable(wsi)
                } else if let wsi = connection.wsi {
                    // Not yet upgraded: there is no close frame to send; drop it on the next service.
                    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC)
                }
            case .reconcileFlow:
                reconcileFlow()
            case .repace:
                pace(because: .schedule, nowNanos: MonotonicClock.nowNanoseconds())
            case .probe(let answer):
                answer()
            case .stop:
                stopping = true
                stopDeadline = DispatchTime.now().uptimeNanoseconds + 400_000_000
                fetches.removeAll()
                connections = connections.filter { $0.value.wsi != nil }
                for connection in connections.values {
                    connection.closeRequest = (1000, "collector stopping")
                    if connection.established, let wsi = connection.wsi { lws_callback_on_writable(wsi) }
                }
            }
        }
    }

    /// Starts an lws client connection to `address` for `target` (Host header, SNI and the name
    /// the certificate is checked against stay `target.host`), tagged with `id`.
    private func dial(_ target: NetworkTarget, address: String, id: ConnectionID,
                      configure: (inout lws_client_connect_info) -> Void) -> OpaquePointer? {
        guard let context = contextHandle.withLock({ $0?.pointer }) else { return nil }
        var info = lws_client_connect_info()
        info.context = context
        info.port = Int32(target.port)
        info.ssl_connection = target.secure ? Int32(bitPattern: LCCSCF_USE_SSL.rawValue) : 0
        info.ietf_version_or_minus_one = -1
        info.opaque_user_data = UnsafeMutableRawPointer(bitPattern: UInt(id.rawValue))
        info.local_protocol_name = UnsafePointer(protocolName)
        configure(&info)
        return address.withCString { dialled in
            target.host.withCString { host in
                target.path.withCString { path in
                    info.address = dialled
                    info.host = host
                    info.origin = host
                    info.path = path
                    return lws_client_connect_via_info(&info)
                }
            }
        }
    }

    /// Dials a resolved address for a registered connection or fetch.
    private func dial(_ id: ConnectionID, _ address: Result<String, TransportError>) {
        if let fetch = fetches[id] {
            switch address {
            case .failure(let error): finish(fetch, .failure(error))
            case .success(let address): connect(fetch, address: address)
            }
            return
        }
        guard let connection = connections[id], connection.wsi == nil, !connection.finished else { return }
        if connection.closeRequest != nil { return finish(connection, .closedByClient) }
        switch address {
        case .failure(let error): finish(connection, .failedToConnect(error.description))
        case .success(let address): connect(connection, address: address)
        }
    }

    private func connect(_ fetch: Fetch, address: String) {
        let target = fetch.request.target
        let wsi = dial(target, address: address, id: fetch.id) { info in
            info.method = UnsafePointer(getMethod)
            info.alpn = UnsafePointer(http11)
        }
        if let wsi {
            if !fetch.finished { fetch.wsi = wsi }
        } else {
            finish(fetch, .failure(.requestFailed("could not start a connection to \(target.host):\(target.port)" + (LibraryLog.takeLastError().map { ": \($0)" } ?? ""))))
        }
    }

    private func connect(_ connection: Connection, address: String) {
        let target = connection.target
        let wsi = dial(target, address: address, id: connection.id) { info in
            info.retry_and_idle_policy = UnsafePointer(retryPolicy)
        }
        if let wsi {
            if !connection.finished { connection.wsi = wsi }
        } else {
            let library = LibraryLog.takeLastError().map { ": \($0)" } ?? ""
            finish(connection, .failedToConnect("could not start a connection to \(target.host):\(target.port) (address \(address))\(library)"))
        }
    }

    private func receive(_ connection: Connection, _ wsi: OpaquePointer, _ input: UnsafeMutableRawPointer?, _ length: Int) {
        if !connection.inMessage {
            connection.inMessage = true
            connection.messageBinary = lws_frame_is_binary(wsi) != 0
            connection.messageTruncated = false
            connection.message.removeAll(keepingCapacity: true)
        }
        if let input, length > 0 {
            let room = options.maximumMessageBytes - connection.message.count
            let take = min(room, length)
            if take > 0 {
                connection.message.append(contentsOf: UnsafeRawBufferPointer(start: input, count: take))
            }
            if take < length { connection.messageTruncated = true }
        }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else { return }
        connection.inMessage = false
        let payload = connection.message
        connection.message = []
        let message = ReceivedMessage(payload: payload, isBinary: connection.messageBinary, receivedAt: .now())
        if budget.charge(payload.count) { reconcileFlow() }
        if !stopping { connection.delegate.webSocket(connection.id, didReceive: message) }
        lastDeliveryNanos = message.receivedAt.monotonicNanos
    }

    /// After a pass of `lws_service`: sets going what its messages were handed to, then keeps the
    /// pacemaker's beat with the last of them, so work due now is queued behind their decoding
    /// (while they are held, the beat waits with them).
    private func passEnded() {
        holding = afterEachPass?(false) == .holding
        guard !holding, let delivered = lastDeliveryNanos else { return }
        lastDeliveryNanos = nil
        if delivered >= paceSchedule.messagesFromNanos { pace(because: .message, nowNanos: delivered) }
    }

    /// The timer's list node, lws's handle on it (the first member: same address).
    private var paceTimerNode: UnsafeMutablePointer<lws_sorted_usec_list_t> {
        paceTimer.pointer(to: \.sul)!
    }

    /// Calls the pacemaker and sets the loop's timer for the deadline it returns.
    fileprivate func pace(because reason: PaceReason, nowNanos now: Int64) {
        assertOnServiceThread()
        guard let pacemaker, let context = contextHandle.withLock({ $0?.pointer }) else { return }
        paceSchedule = pacemaker.pace(nowNanos: now, because: reason)
        guard paceSchedule.deadlineNanos != .max else { return lws_sul_cancel(paceTimerNode) }
        // Rounded up: lws runs a timer once its time has come, never before.
        let micros = max(0, paceSchedule.deadlineNanos - now + 999) / 1000
        lws_sul_schedule(context, 0, paceTimerNode, paceTimerFired, micros)
    }

    private func writable(_ connection: Connection, _ wsi: OpaquePointer) -> Int32 {
        if let close = connection.closeRequest {
            var reason = Array(close.reason.utf8.prefix(120))
            reason.withUnsafeMutableBufferPointer { buffer in
                lws_close_reason(wsi, lws_close_status(rawValue: UInt32(close.code)), buffer.baseAddress, buffer.count)
            }
            return -1
        }
        guard !connection.outgoing.isEmpty else { return 0 }
        let text = connection.outgoing.removeFirst()
        let headroom = Int(sc_lws_pre())
        var frame = [UInt8](repeating: 0, count: headroom + text.count)
        frame.replaceSubrange(headroom..., with: text)
        let written = frame.withUnsafeMutableBufferPointer { buffer in
            lws_write(wsi, buffer.baseAddress! + headroom, text.count, LWS_WRITE_TEXT)
        }
        if written < Int32(text.count) { return -1 }
        if !connection.outgoing.isEmpty { lws_callback_on_writable(wsi) }
        return 0
    }

    /// Makes every connection's reading match the budget: paused above the high mark.
    private func reconcileFlow() {
        let receiving = !budget.isPaused
        guard receiving != receivingApplied else { return }
        receivingApplied = receiving
        for connection in connections.values where connection.established {
            setReceiving(receiving, connection)
        }
    }

    private func setReceiving(_ receiving: Bool, _ connection: Connection) {
        guard let wsi = connection.wsi, connection.receiving != receiving else { return }
        connection.receiving = receiving
        _ = lws_rx_flow_control(wsi, receiving ? 1 : 0)
    }

    private static func parseClose(_ input: UnsafeMutableRawPointer?, _ length: Int) -> (code: UInt16?, reason: String) {
        guard let input, length >= 2 else { return (nil, "") }
        let bytes = UnsafeRawBufferPointer(start: input, count: length)
        let code = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        return (code, String(decoding: bytes[2...], as: UTF8.self))
    }
}

/// The lws context pointer, shareable because only `lws_cancel_service` touches it off-thread.
private struct ContextHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// The pacemaker's timer: finds the loop through the timer's owner pointer.
private let paceTimerFired: @convention(c) (UnsafeMutablePointer<lws_sorted_usec_list_t>?) -> Void = { sul in
    guard let sul, let owner = sc_lws_timer_of(sul).pointee.owner else { return }
    Unmanaged<NetworkLoop>.fromOpaque(owner).takeUnretainedValue().pace(because: .deadline, nowNanos: MonotonicClock.nowNanoseconds())
}

/// The one protocol callback: trusts the system CA store when lws asks for extra client
/// certificates (while it creates the context, before any loop state exists), and hands every
/// other reason to the loop it finds through the context's user pointer.
private let networkLoopCallback: @convention(c) (OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> Int32 = {
    wsi, reason, user, input, length in
    // `user` is the client SSL_CTX.
    if reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS, let user {
        if sc_tls_trust_system_store(user) != 0 { LibraryLog.report(isError: true, "no system CA store found (neither its directory nor its bundle file): only tls.ca_file is trusted") }
        return 0
    }
    guard let wsi, let context = lws_get_context(wsi), let owner = lws_context_user(context) else { return 0 }
    let loop = Unmanaged<NetworkLoop>.fromOpaque(owner).takeUnretainedValue()
    return loop.handle(wsi, reason, input, length)
}
