/// The store's schema, as numbered migrations applied in order and never edited once
/// released: a change is a new migration.
///
/// Version 1 is the SQLite engine's schema as its migration v6 left it (SQLiteStore's
/// Schema.swift tells why each table, column and index is there), in PostgreSQL's types:
/// bigint for integers and times (milliseconds since 1970, UTC), integer for Kafka partitions
/// and HTTP statuses, text, bytea, boolean. The request columns that lists order by or
/// search on are `COLLATE "C"`: byte order, as SQLite compares, whatever the database's
/// locale, and prefix searches (`LIKE 'x%'`) can read their btree indexes. No upgrade path from the SQLite engine's older
/// layouts is needed: a PostgreSQL store starts at version 1.
enum Schema {
    static let migrations: [(version: Int, sql: String)] = [(1, v1)]

    static var latest: Int { migrations.last?.version ?? 0 }

    private static let v1 = """
        CREATE TABLE requests (
            id text COLLATE "C" NOT NULL PRIMARY KEY,
            message_type text COLLATE "C" NOT NULL,
            function text NOT NULL,
            data bytea NOT NULL,
            to_address text COLLATE "C" NOT NULL,
            from_address text COLLATE "C" NOT NULL,
            accepted_at bigint NOT NULL,
            retry_of text COLLATE "C" REFERENCES requests (id),
            source_topic text,
            source_partition integer,
            nonce bigint NOT NULL CHECK (nonce >= 0),
            status text COLLATE "C" NOT NULL CHECK (status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined', 'confirmed', 'reverted', 'failed')),
            sequence bigint NOT NULL DEFAULT 0 CHECK (sequence >= 0),
            accepted_version bigint NOT NULL DEFAULT 0 CHECK (accepted_version >= 0),
            last_send_unknown boolean NOT NULL DEFAULT false,
            sends bigint NOT NULL DEFAULT 0 CHECK (sends >= 0),
            failures_in_a_row bigint NOT NULL DEFAULT 0 CHECK (failures_in_a_row >= 0),
            next_send_at bigint,
            deadline_at bigint NOT NULL,
            version_accepted_at bigint,
            version_accepted_block bigint,
            pool_check_at bigint,
            mined_hash text,
            mined_block bigint,
            mined_block_hash text,
            mined_succeeded boolean,
            gas_used bigint,
            effective_gas_price text,
            outcome text CHECK (outcome IN ('confirmed', 'reverted', 'failed')),
            outcome_reason text,
            give_up_reason text,
            waiting_for_funds boolean NOT NULL DEFAULT false,
            wants_replacement boolean NOT NULL DEFAULT false,
            needs_settlement boolean NOT NULL DEFAULT false,
            fee_ceiling_reached boolean NOT NULL DEFAULT false,
            last_error text,
            selector text COLLATE "C",
            last_error_class text,
            retried_as text COLLATE "C",
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            UNIQUE (from_address, nonce)
        );
        -- The API's list: by status (or all), newest first, keyset-paged on (updated_at, id).
        CREATE INDEX requests_by_status_updated ON requests (status, updated_at, id);
        CREATE INDEX requests_by_updated ON requests (updated_at, id);
        CREATE INDEX requests_by_retry_of ON requests (retry_of);
        -- What a lease owner resumes, and which senders an assigned partition brings.
        CREATE INDEX requests_unfinished ON requests (from_address, nonce)
            WHERE status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined');
        CREATE INDEX requests_unfinished_by_source ON requests (source_topic, source_partition, from_address)
            WHERE status IN ('signed', 'retrying', 'unknown', 'submitted', 'replaced', 'mined');
        -- The dashboard's list, newest first and keyset-paged on (created_at, id).
        CREATE INDEX requests_by_created ON requests (created_at, id);
        CREATE INDEX requests_by_status_created ON requests (status, created_at, id);
        CREATE INDEX requests_by_sender_status_created ON requests (from_address, status, created_at, id);
        CREATE INDEX requests_by_contract_status_created ON requests (to_address, status, created_at, id);
        CREATE INDEX requests_by_selector_status_created ON requests (selector, status, created_at, id);
        CREATE INDEX requests_by_type_status_created ON requests (message_type, status, created_at, id);
        -- One retry per request, and each retry of one request only.
        CREATE UNIQUE INDEX requests_by_retried_as ON requests (retried_as) WHERE retried_as IS NOT NULL;

        CREATE TABLE versions (
            request_id text NOT NULL REFERENCES requests (id),
            number bigint NOT NULL CHECK (number >= 1),
            kind text NOT NULL CHECK (kind IN ('original', 'replacement', 'cancellation')),
            hash text COLLATE "C" NOT NULL UNIQUE,
            raw bytea NOT NULL,
            max_fee_per_gas text NOT NULL,
            max_priority_fee_per_gas text NOT NULL,
            signed_at bigint NOT NULL,
            PRIMARY KEY (request_id, number)
        );

        CREATE TABLE attempts (
            request_id text NOT NULL REFERENCES requests (id),
            number bigint NOT NULL CHECK (number >= 1),
            version bigint NOT NULL CHECK (version >= 1),
            hash text NOT NULL,
            started_at bigint NOT NULL,
            finished_at bigint NOT NULL,
            outcome text NOT NULL CHECK (outcome IN ('accepted', 'unknown', 'not_sent', 'nonce_too_low', 'nonce_too_high', 'fees_too_low', 'insufficient_funds', 'invalid')),
            endpoint text,
            error text,
            PRIMARY KEY (request_id, number)
        );

        CREATE TABLE sender_nonces (
            address text NOT NULL PRIMARY KEY,
            next_nonce bigint NOT NULL CHECK (next_nonce >= 0)
        );

        CREATE TABLE consumer_offsets (
            consumer_group text NOT NULL,
            topic text NOT NULL,
            partition integer NOT NULL CHECK (partition >= 0),
            next_offset bigint NOT NULL CHECK (next_offset >= 0),
            PRIMARY KEY (consumer_group, topic, partition)
        );

        -- Claimed by the API before the request reaches a worker, so request_id is not a
        -- foreign key.
        CREATE TABLE idempotency_keys (
            key_hash bytea NOT NULL PRIMARY KEY,
            request_id text NOT NULL,
            body_hash bytea NOT NULL,
            created_at bigint NOT NULL,
            first_status integer CHECK (first_status BETWEEN 100 AND 599),
            first_headers text,
            first_body bytea
        );

        CREATE TABLE sender_leases (
            sender text NOT NULL PRIMARY KEY,
            owner text NOT NULL,
            epoch bigint NOT NULL CHECK (epoch >= 1),
            expires_at bigint NOT NULL
        );

        CREATE TABLE outbox (
            sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            request_id text NOT NULL,
            payload bytea NOT NULL,
            created_at bigint NOT NULL,
            claimed_by text,
            claimed_until bigint
        );
        -- Whether another publisher holds a request's events, for each event a claim considers.
        CREATE INDEX outbox_held_by_request ON outbox (request_id, claimed_until) WHERE claimed_by IS NOT NULL;

        CREATE TABLE chain_head (
            id integer NOT NULL PRIMARY KEY CHECK (id = 1),
            number bigint NOT NULL CHECK (number >= 0),
            seen_at bigint NOT NULL
        );

        CREATE TABLE status_counts (
            status text NOT NULL PRIMARY KEY,
            count bigint NOT NULL CHECK (count >= 0)
        );

        CREATE TABLE audit (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at bigint NOT NULL,
            user_name text NOT NULL CHECK (user_name <> ''),
            action text NOT NULL CHECK (action <> ''),
            request_id text,
            reason text,
            details text NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_by_request ON audit (request_id, id) WHERE request_id IS NOT NULL;

        CREATE TABLE bulk_retries (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            filter text NOT NULL,
            cap bigint NOT NULL CHECK (cap >= 1),
            reason text NOT NULL CHECK (reason <> ''),
            created_by text NOT NULL CHECK (created_by <> ''),
            created_at bigint NOT NULL,
            started_by text,
            state text NOT NULL CHECK (state IN ('planned', 'running', 'cancelled', 'finished')),
            planned bigint NOT NULL CHECK (planned >= 0),
            retried bigint NOT NULL DEFAULT 0 CHECK (retried >= 0),
            refused bigint NOT NULL DEFAULT 0 CHECK (refused >= 0),
            updated_at bigint NOT NULL
        );
        CREATE INDEX bulk_retries_by_state ON bulk_retries (state, id);

        CREATE TABLE bulk_retry_items (
            operation bigint NOT NULL REFERENCES bulk_retries (id),
            request_id text COLLATE "C" NOT NULL REFERENCES requests (id),
            result text NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'retried', 'refused')),
            retry_id text,
            message text,
            PRIMARY KEY (operation, request_id)
        );
        CREATE INDEX bulk_retry_items_pending ON bulk_retry_items (operation, request_id) WHERE result = 'pending';
        """
}
