"""The SQLite schema of a tutorforge database (one file per corpus)."""

from __future__ import annotations

from tutorforge.review.policy import priority_sql

APP = "tutorforge"
SCHEMA_VERSION = 6

# Review: one lease per dialogue under review (a holder is one reviewer's session), and the queue
# (pending complete dialogues in priority order) as a partial index.
_REVIEW_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS review_leases (
        dialogue_id TEXT PRIMARY KEY REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        holder TEXT NOT NULL,
        acquired_at REAL NOT NULL,
        expires_at REAL NOT NULL
    )""",
    f"""CREATE INDEX IF NOT EXISTS dialogues_queue ON dialogues ({priority_sql()}, run_id, idx)
        WHERE review_status = 'pending' AND status = 'complete'""",
)

# How a run was spread: one row per `generate` command that worked on it (its shard, or '' for the whole
# run; when it ran; the dialogues it saved). Merging shards brings their rows along.
_PARTS_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS run_parts (
        run_id TEXT NOT NULL,
        shard TEXT NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        saved INTEGER NOT NULL,
        PRIMARY KEY (run_id, shard, started_at)
    )""",
)

# Every statement is idempotent, so two processes creating the same file at once cannot clash.
DDL: tuple[str, ...] = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        config_json TEXT NOT NULL,
        seed INTEGER NOT NULL,
        versions_json TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS problems (
        problem_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        family TEXT NOT NULL,
        subject TEXT NOT NULL,
        difficulty INTEGER NOT NULL,
        seed INTEGER,
        statement TEXT NOT NULL,
        answer TEXT NOT NULL,
        unknowns_json TEXT NOT NULL,
        answer_unit TEXT NOT NULL,
        steps_json TEXT NOT NULL,
        meta_json TEXT NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS dialogues (
        dialogue_id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (run_id),
        idx INTEGER NOT NULL,
        problem_id TEXT NOT NULL REFERENCES problems (problem_id),
        teacher TEXT NOT NULL,
        student TEXT NOT NULL,
        critic TEXT NOT NULL,
        persona_versions_json TEXT NOT NULL,
        backend TEXT NOT NULL,
        models_json TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
        end_reason TEXT NOT NULL,
        error TEXT NOT NULL,
        review_status TEXT NOT NULL CHECK (review_status IN ('approved', 'pending', 'rejected')),
        review_reasons_json TEXT NOT NULL,
        verdict_summary_json TEXT NOT NULL,
        n_turns INTEGER NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL NOT NULL,
        usage_json TEXT NOT NULL,
        meta_json TEXT NOT NULL DEFAULT '{}',
        UNIQUE (run_id, idx)
    )""",
    # export pages and the review queue: filter on review_status, walk in (run_id, idx) order
    "CREATE INDEX IF NOT EXISTS dialogues_by_review ON dialogues (review_status, run_id, idx)",
    """CREATE TABLE IF NOT EXISTS turns (
        dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        turn_index INTEGER NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        act TEXT NOT NULL,
        status TEXT NOT NULL,
        claims INTEGER NOT NULL,
        flags_json TEXT NOT NULL,
        critic_json TEXT NOT NULL,
        work_json TEXT NOT NULL,
        move TEXT NOT NULL DEFAULT '',
        target TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (dialogue_id, turn_index)
    )""",
    """CREATE TABLE IF NOT EXISTS drafts (
        dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        turn_index INTEGER NOT NULL,
        draft_index INTEGER NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        claims INTEGER NOT NULL,
        flags_json TEXT NOT NULL,
        critic_json TEXT NOT NULL,
        forced_by_verifier INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (dialogue_id, turn_index, draft_index)
    )""",
    """CREATE TABLE IF NOT EXISTS generator_labels (
        dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        turn_index INTEGER NOT NULL,
        role TEXT NOT NULL,
        kind TEXT NOT NULL,
        misconception TEXT NOT NULL,
        detail TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS generator_labels_by_dialogue ON generator_labels (dialogue_id)",
    """CREATE TABLE IF NOT EXISTS reviews (
        id INTEGER PRIMARY KEY,
        dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        decided_at REAL NOT NULL,
        decision TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        edits_json TEXT NOT NULL DEFAULT '[]',
        undoes INTEGER REFERENCES reviews (id)
    )""",
    "CREATE INDEX IF NOT EXISTS reviews_by_dialogue ON reviews (dialogue_id, id)",
    """CREATE TABLE IF NOT EXISTS llm_calls (
        id INTEGER PRIMARY KEY,
        dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        backend TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        latency_s REAL NOT NULL,
        cost_usd REAL NOT NULL,
        priced INTEGER NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        error TEXT NOT NULL,
        issues_json TEXT NOT NULL,
        finish_reason TEXT NOT NULL,
        cache_hit INTEGER NOT NULL,
        response_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        price_source TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX IF NOT EXISTS llm_calls_by_dialogue ON llm_calls (dialogue_id)",
    *_REVIEW_DDL,
    *_PARTS_DDL,
)

# Statements that take a database from version k (the key) to k + 1, run in one transaction.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE reviews ADD COLUMN undoes INTEGER REFERENCES reviews (id)", *_REVIEW_DDL),
    # who priced each LLM call (override, genai-prices, or '' when unpriced); how each run was spread
    2: ("ALTER TABLE llm_calls ADD COLUMN price_source TEXT NOT NULL DEFAULT ''", *_PARTS_DDL),
    # teacher moves and their targets; how a dialogue was set up; the queue index over the new reasons
    3: (
        "ALTER TABLE turns ADD COLUMN move TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE turns ADD COLUMN target TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE dialogues ADD COLUMN meta_json TEXT NOT NULL DEFAULT '{}'",
        "DROP INDEX IF EXISTS dialogues_queue",
        *_REVIEW_DDL,
    ),
    # a draft the verifier sent back (its critic_json keeps what the critic itself said)
    4: ("ALTER TABLE drafts ADD COLUMN forced_by_verifier INTEGER NOT NULL DEFAULT 0",),
    # the queue orders by a reason's code (`unverifiable: claim timed out` is `unverifiable`)
    5: ("DROP INDEX IF EXISTS dialogues_queue", _REVIEW_DDL[-1]),
}
