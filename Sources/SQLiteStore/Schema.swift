import GRDB
import StatusStore

/// The store's schema, as named migrations applied in order and never edited once released:
/// a change is a new migration.
///
/// Plain SQL that PostgreSQL also accepts, apart from the column types (BLOB is BYTEA there,
/// INTEGER is BIGINT). Times are INTEGER milliseconds since 1970, UTC.
enum Schema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-requests-attempts-nonces-offsets-idempotency") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2-requests-source-partition") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3-idempotency-first-answer") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4-lifecycle-versions-leases-outbox") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5-admin-counters-search-retry-audit") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6-bulk-retries") { db in
            try db.execute(sql: v6)
        }
        return migrator
    }()

    private static let v1 = """
        CREATE TABLE requests (
            id TEXT NOT NULL PRIMARY KEY,
            message_type TEXT NOT NULL,
            function TEXT NOT NULL,
            data BLOB NOT NULL,
            to_address TEXT NOT NULL,
            from_address TEXT NOT NULL,
            accepted_at INTEGER NOT NULL,
            retry_of TEXT REFERENCES requests (id),
            status TEXT NOT NULL CHECK (status IN ('signed', 'retrying', 'broadcast', 'failed')),
            nonce INTEGER NOT NULL CHECK (nonce >= 0),
            raw_tx BLOB NOT NULL,
            tx_hash TEXT NOT NULL UNIQUE,
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at INTEGER,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (from_address, nonce)
        );
        -- The admin list: by status (or all), newest first, keyset-paged on (updated_at, id).
        CREATE INDEX requests_by_status_updated ON requests (status, updated_at, id);
        CREATE INDEX requests_by_updated ON requests (updated_at, id);
        CREATE INDEX requests_by_retry_of ON requests (retry_of);
        CREATE INDEX requests_due ON requests (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
        -- The restart pass finds unfinished requests through requests_by_status_updated and
        -- sorts only those; a partial index in nonce order goes unused by SQLite's planner.

        CREATE TABLE attempts (
            request_id TEXT NOT NULL REFERENCES requests (id),
            number INTEGER NOT NULL CHECK (number >= 1),
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'retryable', 'rejected')),
            endpoint TEXT,
            error TEXT,
            PRIMARY KEY (request_id, number)
        );

        CREATE TABLE sender_nonces (
            address TEXT NOT NULL PRIMARY KEY,
            next_nonce INTEGER NOT NULL CHECK (next_nonce >= 0)
        );

        CREATE TABLE consumer_offsets (
            consumer_group TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL CHECK (partition >= 0),
            next_offset INTEGER NOT NULL CHECK (next_offset >= 0),
            PRIMARY KEY (consumer_group, topic, partition)
        );

        -- Claimed by the API before the request reaches a worker, so request_id is not a
        -- foreign key.
        CREATE TABLE idempotency_keys (
            key_hash BLOB NOT NULL PRIMARY KEY,
            request_id TEXT NOT NULL,
            body_hash BLOB NOT NULL,
            created_at INTEGER NOT NULL
        );
        """

    /// Where each request was consumed from, so that a worker assigned a partition resumes the
    /// unfinished work of that partition's previous owner. NULL for requests stored before.
    private static let v2 = """
        ALTER TABLE requests ADD COLUMN source_topic TEXT;
        ALTER TABLE requests ADD COLUMN source_partition INTEGER;
        CREATE INDEX requests_by_source_status ON requests (source_topic, source_partition, status);
        """

    /// The answer first given for each key (status, headers as a JSON list of name/value pairs,
    /// body), so that a repeat gets it byte for byte. NULL until the first request is answered.
    private static let v3 = """
        ALTER TABLE idempotency_keys ADD COLUMN first_status INTEGER CHECK (first_status BETWEEN 100 AND 599);
        ALTER TABLE idempotency_keys ADD COLUMN first_headers TEXT;
        ALTER TABLE idempotency_keys ADD COLUMN first_body BLOB;
        """

    /// The lifecycle of issue 7: a request keeps its id while its hash changes, so signed
    /// versions move to their own table; the request row carries its lifecycle state (what the
    /// next lease owner resumes from), the receipt, and an event sequence; leases fence every
    /// write about a sender; the outbox holds status events until the broker acknowledged them;
    /// `chain_head` is the head the watcher processed, for confirmations in the API.
    ///
    /// Rows of v1 convert as: `signed` and `retrying` as they were (due to be sent: at their
    /// next attempt, or at once), `broadcast` to `submitted` (a node took version 1 at its last
    /// update; its pool check is due at once, so that one evicted before the upgrade goes out
    /// again), `failed` to a final `failed` whose reason says it predates tracking; their one
    /// transaction becomes version 1 (fees unknown: stored as 0) and their attempts are of
    /// version 1 (`retryable` became `unknown`, `rejected` became `invalid`).
    private static let v4 = """
        CREATE TABLE requests_v4 (
            id TEXT NOT NULL PRIMARY KEY,
            message_type TEXT NOT NULL,
            function TEXT NOT NULL,
            data BLOB NOT NULL,
            to_address TEXT NOT NULL,
            from_address TEXT NOT NULL,
            accepted_at INTEGER NOT NULL,
            retry_of TEXT REFERENCES requests (id),
            source_topic TEXT,
            source_partition INTEGER,
            nonce INTEGER NOT NULL CHECK (nonce >= 0),
            status TEXT NOT NULL CHECK (status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined', 'confirmed', 'reverted', 'failed')),
            sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
            accepted_version INTEGER NOT NULL DEFAULT 0 CHECK (accepted_version >= 0),
            last_send_unknown INTEGER NOT NULL DEFAULT 0,
            sends INTEGER NOT NULL DEFAULT 0 CHECK (sends >= 0),
            failures_in_a_row INTEGER NOT NULL DEFAULT 0 CHECK (failures_in_a_row >= 0),
            next_send_at INTEGER,
            deadline_at INTEGER NOT NULL,
            version_accepted_at INTEGER,
            version_accepted_block INTEGER,
            pool_check_at INTEGER,
            mined_hash TEXT,
            mined_block INTEGER,
            mined_block_hash TEXT,
            mined_succeeded INTEGER,
            gas_used INTEGER,
            effective_gas_price TEXT,
            outcome TEXT CHECK (outcome IN ('confirmed', 'reverted', 'failed')),
            outcome_reason TEXT,
            give_up_reason TEXT,
            waiting_for_funds INTEGER NOT NULL DEFAULT 0,
            wants_replacement INTEGER NOT NULL DEFAULT 0,
            needs_settlement INTEGER NOT NULL DEFAULT 0,
            fee_ceiling_reached INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (from_address, nonce)
        );
        INSERT INTO requests_v4 (
            id, message_type, function, data, to_address, from_address, accepted_at, retry_of, source_topic, source_partition,
            nonce, status, sequence, accepted_version, sends, next_send_at, deadline_at, version_accepted_at, pool_check_at,
            outcome, outcome_reason, last_error, created_at, updated_at)
        SELECT id, message_type, function, data, to_address, from_address, accepted_at, retry_of, source_topic, source_partition,
            nonce,
            CASE status WHEN 'broadcast' THEN 'submitted' ELSE status END,
            1,
            CASE status WHEN 'broadcast' THEN 1 ELSE 0 END,
            attempts,
            CASE status WHEN 'retrying' THEN COALESCE(next_attempt_at, updated_at) WHEN 'signed' THEN updated_at ELSE NULL END,
            updated_at + 1800000,
            CASE status WHEN 'broadcast' THEN updated_at ELSE NULL END,
            CASE status WHEN 'broadcast' THEN updated_at ELSE NULL END,
            CASE status WHEN 'failed' THEN 'failed' ELSE NULL END,
            CASE status WHEN 'failed' THEN 'recorded as failed before the lifecycle was tracked on chain; its transaction may have been sent: check the chain before retrying' ELSE NULL END,
            last_error, created_at, updated_at
        FROM requests;

        CREATE TABLE versions (
            request_id TEXT NOT NULL REFERENCES requests (id),
            number INTEGER NOT NULL CHECK (number >= 1),
            kind TEXT NOT NULL CHECK (kind IN ('original', 'replacement', 'cancellation')),
            hash TEXT NOT NULL UNIQUE,
            raw BLOB NOT NULL,
            max_fee_per_gas TEXT NOT NULL,
            max_priority_fee_per_gas TEXT NOT NULL,
            signed_at INTEGER NOT NULL,
            PRIMARY KEY (request_id, number)
        );
        INSERT INTO versions (request_id, number, kind, hash, raw, max_fee_per_gas, max_priority_fee_per_gas, signed_at)
        SELECT id, 1, 'original', tx_hash, raw_tx, '0', '0', created_at FROM requests;

        CREATE TABLE attempts_v4 (
            request_id TEXT NOT NULL REFERENCES requests (id),
            number INTEGER NOT NULL CHECK (number >= 1),
            version INTEGER NOT NULL CHECK (version >= 1),
            hash TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'unknown', 'not_sent', 'nonce_too_low', 'nonce_too_high', 'fees_too_low', 'insufficient_funds', 'invalid')),
            endpoint TEXT,
            error TEXT,
            PRIMARY KEY (request_id, number)
        );
        INSERT INTO attempts_v4 (request_id, number, version, hash, started_at, finished_at, outcome, endpoint, error)
        SELECT a.request_id, a.number, 1, r.tx_hash, a.started_at, a.finished_at,
            CASE a.outcome WHEN 'accepted' THEN 'accepted' WHEN 'retryable' THEN 'unknown' ELSE 'invalid' END,
            a.endpoint, a.error
        FROM attempts a JOIN requests r ON r.id = a.request_id;

        DROP TABLE attempts;
        DROP TABLE requests;
        ALTER TABLE requests_v4 RENAME TO requests;
        ALTER TABLE attempts_v4 RENAME TO attempts;

        -- The admin list: by status (or all), newest first, keyset-paged on (updated_at, id).
        CREATE INDEX requests_by_status_updated ON requests (status, updated_at, id);
        CREATE INDEX requests_by_updated ON requests (updated_at, id);
        CREATE INDEX requests_by_retry_of ON requests (retry_of);
        -- What a lease owner resumes, and which senders an assigned partition brings.
        CREATE INDEX requests_unfinished ON requests (from_address, nonce)
            WHERE status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined');
        CREATE INDEX requests_unfinished_by_source ON requests (source_topic, source_partition, from_address)
            WHERE status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined');

        CREATE TABLE sender_leases (
            sender TEXT NOT NULL PRIMARY KEY,
            owner TEXT NOT NULL,
            epoch INTEGER NOT NULL CHECK (epoch >= 1),
            expires_at INTEGER NOT NULL
        );

        CREATE TABLE outbox (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            request_id TEXT NOT NULL,
            payload BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            claimed_by TEXT,
            claimed_until INTEGER
        );
        -- Whether another publisher holds a request's events, for each event a claim considers.
        CREATE INDEX outbox_held_by_request ON outbox (request_id, claimed_until) WHERE claimed_by IS NOT NULL;

        CREATE TABLE chain_head (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            number INTEGER NOT NULL CHECK (number >= 0),
            seen_at INTEGER NOT NULL
        );
        """

    /// What the admin dashboard reads without counting or scanning rows:
    /// - `status_counts`: how many requests are in each status, changed in the transaction of
    ///   every status change (intake, save), filled here from the rows there are;
    /// - `selector`: the calldata's 4-byte function selector ("0x" + 8 lowercase hex digits;
    ///   NULL when the calldata is shorter), filled here for the rows there are;
    /// - `last_error_class`: the outcome of the request's latest attempt that no node took (a
    ///   `SendClass` raw value; NULL while there is none), filled here from the attempts;
    /// - `retried_as`: the request an operator retried this one as; set once, by a
    ///   compare-and-set on "final failed or reverted and not retried yet". Not a foreign key:
    ///   the retry is produced to the requests topic after the link is set, and is stored when
    ///   a worker consumes it;
    /// - indexes for the list, newest first and keyset-paged on (created_at, id), which never
    ///   changes: alone, after a status, or after a sender, contract, selector or message type
    ///   and a status;
    /// - `audit`: who did what to which request, when and why.
    private static let v5 = """
        CREATE TABLE status_counts (
            status TEXT NOT NULL PRIMARY KEY,
            count INTEGER NOT NULL CHECK (count >= 0)
        );
        INSERT INTO status_counts (status, count) SELECT status, COUNT(*) FROM requests GROUP BY status;

        ALTER TABLE requests ADD COLUMN selector TEXT;
        UPDATE requests SET selector = '0x' || lower(hex(substr(data, 1, 4))) WHERE length(data) >= 4;
        ALTER TABLE requests ADD COLUMN last_error_class TEXT;
        UPDATE requests SET last_error_class = (
            SELECT a.outcome FROM attempts a WHERE a.request_id = requests.id AND a.outcome <> 'accepted'
            ORDER BY a.number DESC LIMIT 1);
        ALTER TABLE requests ADD COLUMN retried_as TEXT;

        CREATE INDEX requests_by_created ON requests (created_at, id);
        CREATE INDEX requests_by_status_created ON requests (status, created_at, id);
        -- A filter's rows of one status, in list order: a rare status under a common sender
        -- would otherwise walk all of the sender's rows. A filter alone reads one range per status.
        CREATE INDEX requests_by_sender_status_created ON requests (from_address, status, created_at, id);
        CREATE INDEX requests_by_contract_status_created ON requests (to_address, status, created_at, id);
        CREATE INDEX requests_by_selector_status_created ON requests (selector, status, created_at, id);
        CREATE INDEX requests_by_type_status_created ON requests (message_type, status, created_at, id);
        -- One retry per request, and each retry of one request only.
        CREATE UNIQUE INDEX requests_by_retried_as ON requests (retried_as) WHERE retried_as IS NOT NULL;

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            user_name TEXT NOT NULL CHECK (user_name <> ''),
            action TEXT NOT NULL CHECK (action <> ''),
            request_id TEXT,
            reason TEXT,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_by_request ON audit (request_id, id) WHERE request_id IS NOT NULL;
        """

    /// v6: bulk retries as stored operations.
    /// - `bulk_retries`: the operation, its filter frozen as JSON when it was planned, its cap,
    ///   reason, who planned and who started it, its state and its counters (updated in the
    ///   transaction of each item's result, so progress is never counted);
    /// - `bulk_retry_items`: the requests taken at planning, the frozen set (a request failing
    ///   later is not in it), each with its result, the retry it became and the message.
    private static let v6 = """
        CREATE TABLE bulk_retries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            filter TEXT NOT NULL,
            cap INTEGER NOT NULL CHECK (cap >= 1),
            reason TEXT NOT NULL CHECK (reason <> ''),
            created_by TEXT NOT NULL CHECK (created_by <> ''),
            created_at INTEGER NOT NULL,
            started_by TEXT,
            state TEXT NOT NULL CHECK (state IN ('planned', 'running', 'cancelled', 'finished')),
            planned INTEGER NOT NULL CHECK (planned >= 0),
            retried INTEGER NOT NULL DEFAULT 0 CHECK (retried >= 0),
            refused INTEGER NOT NULL DEFAULT 0 CHECK (refused >= 0),
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX bulk_retries_by_state ON bulk_retries (state, id);

        CREATE TABLE bulk_retry_items (
            operation INTEGER NOT NULL REFERENCES bulk_retries (id),
            request_id TEXT NOT NULL REFERENCES requests (id),
            result TEXT NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'retried', 'refused')),
            retry_id TEXT,
            message TEXT,
            PRIMARY KEY (operation, request_id)
        );
        CREATE INDEX bulk_retry_items_pending ON bulk_retry_items (operation, request_id) WHERE result = 'pending';
        """
}
