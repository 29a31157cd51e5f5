import GRDB

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
}
