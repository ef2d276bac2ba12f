-- BooControl control schema. Idempotent: applied at every control start-up under
-- pg_advisory_lock (see apps/control/src/db/schema.ts), on Postgres and on PGlite alike.
-- Every table is prefixed control_ so that several schema owners can share one database.
-- Dedup is the database's job: UNIQUE constraints + ON CONFLICT DO NOTHING, never check-then-insert.

CREATE TABLE IF NOT EXISTS control_hosts (
  id                text PRIMARY KEY,
  label             text NOT NULL,
  base_url          text NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('llama-swap', 'openai')),
  source            text NOT NULL DEFAULT 'ui' CHECK (source IN ('config', 'ui', 'demo')),
  -- Name of a key file under secrets/ or of an env variable; never the key itself.
  api_key_ref       text,
  -- Bumped by the connector each time it detects that the host restarted (upstream ids reset).
  epoch             integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_mode text NOT NULL DEFAULT 'shell';
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_host text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_port integer;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_user text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_identity_file text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS ssh_host_key text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS config_path text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS restart_cmd text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS models_dir text;
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS actions jsonb NOT NULL DEFAULT '[]'::jsonb;
-- Hash of the hosts-file action list last applied: the file wins again only when it changes,
-- so edits made in the UI survive restarts (docs/hosts-file.md).
ALTER TABLE control_hosts ADD COLUMN IF NOT EXISTS actions_file_hash text;

CREATE TABLE IF NOT EXISTS control_activity (
  id                bigserial PRIMARY KEY,
  host_id           text NOT NULL,
  epoch             integer NOT NULL,
  upstream_id       bigint NOT NULL,
  ts                timestamptz NOT NULL,
  model             text NOT NULL,
  req_path          text NOT NULL DEFAULT '',
  status            integer NOT NULL,
  content_type      text NOT NULL DEFAULT '',
  input_tokens      integer NOT NULL DEFAULT 0,
  output_tokens     integer NOT NULL DEFAULT 0,
  cache_tokens      integer NOT NULL DEFAULT -1,
  draft_tokens      integer NOT NULL DEFAULT -1,
  draft_acc_tokens  integer NOT NULL DEFAULT -1,
  prompt_tps        double precision,
  gen_tps           double precision,
  duration_ms       integer NOT NULL DEFAULT 0,
  error             text,
  has_capture       boolean NOT NULL DEFAULT false,
  metadata          jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host_id, epoch, upstream_id)
);
-- Time to first token and llama-server's prompt_ms, recovered from the row's timings by the
-- connector (llama-swap-map.ts firstTokenTimes); NULL when the host reported no timings and for
-- rows stored before these columns existed.
ALTER TABLE control_activity ADD COLUMN IF NOT EXISTS ttft_ms double precision;
ALTER TABLE control_activity ADD COLUMN IF NOT EXISTS prompt_ms double precision;
CREATE INDEX IF NOT EXISTS control_activity_ts_idx ON control_activity (ts DESC);
CREATE INDEX IF NOT EXISTS control_activity_host_ts_idx ON control_activity (host_id, ts DESC);
CREATE INDEX IF NOT EXISTS control_activity_model_ts_idx ON control_activity (model, ts DESC);

CREATE TABLE IF NOT EXISTS control_perf_samples (
  host_id           text NOT NULL,
  ts                timestamptz NOT NULL,
  metric            text NOT NULL,
  series            text NOT NULL DEFAULT '',
  value             double precision NOT NULL,
  UNIQUE (host_id, metric, series, ts)
);
CREATE INDEX IF NOT EXISTS control_perf_samples_ts_idx ON control_perf_samples (ts);

CREATE TABLE IF NOT EXISTS control_perf_rollups (
  host_id           text NOT NULL,
  bucket            timestamptz NOT NULL,
  metric            text NOT NULL,
  series            text NOT NULL DEFAULT '',
  avg               double precision NOT NULL,
  max               double precision NOT NULL,
  p95               double precision NOT NULL,
  n                 integer NOT NULL,
  UNIQUE (host_id, metric, series, bucket)
);
CREATE INDEX IF NOT EXISTS control_perf_rollups_bucket_idx ON control_perf_rollups (bucket);

CREATE TABLE IF NOT EXISTS control_model_transitions (
  id                bigserial PRIMARY KEY,
  host_id           text NOT NULL,
  epoch             integer NOT NULL DEFAULT 0,
  model             text NOT NULL,
  from_state        text NOT NULL,
  to_state          text NOT NULL,
  at                timestamptz NOT NULL,
  load_ms           integer,
  UNIQUE (host_id, model, at, to_state)
);
CREATE INDEX IF NOT EXISTS control_model_transitions_host_at_idx ON control_model_transitions (host_id, at DESC);

CREATE TABLE IF NOT EXISTS control_captures (
  activity_id       bigint PRIMARY KEY REFERENCES control_activity (id) ON DELETE CASCADE,
  host_id           text NOT NULL,
  size_bytes        integer NOT NULL,
  truncated         boolean NOT NULL DEFAULT false,
  req_path          text NOT NULL DEFAULT '',
  req_headers       jsonb,
  req_body          text,
  resp_headers      jsonb,
  resp_body         text,
  fetched_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS control_jobs (
  id                text PRIMARY KEY,
  host_id           text,
  job_type          text NOT NULL,
  status            text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  params            jsonb NOT NULL DEFAULT '{}'::jsonb,
  detail            jsonb NOT NULL DEFAULT '{}'::jsonb,
  output_tail       text NOT NULL DEFAULT '',
  error_code        text,
  error_message     text,
  idempotency_key   text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS control_jobs_idempotency_idx ON control_jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS control_jobs_host_created_idx ON control_jobs (host_id, created_at DESC);
CREATE INDEX IF NOT EXISTS control_jobs_status_idx ON control_jobs (status);
-- Jobs module (house): the lane a job ran on, its parent (a child job runs in its parent's lane
-- slot), the owner's heartbeat (a process tells a dead owner's jobs from live ones) and a
-- cancel request any process sharing the database can set; payload is input the API never
-- shows (config text may hold keys) but that a re-run needs.
ALTER TABLE control_jobs ADD COLUMN IF NOT EXISTS lane text;
ALTER TABLE control_jobs ADD COLUMN IF NOT EXISTS parent_id text;
ALTER TABLE control_jobs ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz;
ALTER TABLE control_jobs ADD COLUMN IF NOT EXISTS cancel_requested_at timestamptz;
ALTER TABLE control_jobs ADD COLUMN IF NOT EXISTS payload jsonb;
CREATE INDEX IF NOT EXISTS control_jobs_parent_idx ON control_jobs (parent_id) WHERE parent_id IS NOT NULL;

-- Evals and reports come in later issues; their tables exist now so that the job model and
-- retention can be written against the final shape. Speed benchmarks (issue 11) keep a run row,
-- one row per measured point, and a bounded sample of request records per point.
CREATE TABLE IF NOT EXISTS control_bench_runs (
  id                text PRIMARY KEY,
  job_id            text REFERENCES control_jobs (id) ON DELETE SET NULL,
  host_id           text,
  model             text,
  config            jsonb NOT NULL DEFAULT '{}'::jsonb,
  status            text NOT NULL DEFAULT 'queued',
  created_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
-- config holds the BenchRunRequest; status follows the job statuses (interrupted at boot).
ALTER TABLE control_bench_runs ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE control_bench_runs ADD COLUMN IF NOT EXISTS summary jsonb;
ALTER TABLE control_bench_runs ADD COLUMN IF NOT EXISTS error_code text;
ALTER TABLE control_bench_runs ADD COLUMN IF NOT EXISTS error_message text;
CREATE INDEX IF NOT EXISTS control_bench_runs_host_created_idx ON control_bench_runs (host_id, created_at DESC);
CREATE INDEX IF NOT EXISTS control_bench_runs_model_created_idx ON control_bench_runs (model, created_at DESC);
CREATE INDEX IF NOT EXISTS control_bench_runs_status_idx ON control_bench_runs (status);
CREATE TABLE IF NOT EXISTS control_bench_points (
  run_id            text NOT NULL REFERENCES control_bench_runs (id) ON DELETE CASCADE,
  idx               integer NOT NULL,
  level             double precision NOT NULL,
  -- the whole BenchPoint (contracts); level is a column for ordering and filtering
  point             jsonb NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, idx)
);
-- At most a fixed number per point (bench.repo.ts enforces it in the INSERT itself).
CREATE TABLE IF NOT EXISTS control_bench_samples (
  run_id            text NOT NULL REFERENCES control_bench_runs (id) ON DELETE CASCADE,
  point_idx         integer NOT NULL,
  seq               integer NOT NULL,
  rep               integer,
  status            integer,
  error_kind        text,
  ttft_ms           double precision,
  e2e_ms            double precision,
  output_tokens     integer,
  sample            jsonb NOT NULL,
  PRIMARY KEY (run_id, point_idx, seq)
);
CREATE TABLE IF NOT EXISTS control_bench_results (
  id                bigserial PRIMARY KEY,
  run_id            text NOT NULL REFERENCES control_bench_runs (id) ON DELETE CASCADE,
  metric            text NOT NULL,
  value             double precision NOT NULL,
  unit              text NOT NULL DEFAULT '',
  labels            jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (run_id, metric, labels)
);
CREATE TABLE IF NOT EXISTS control_eval_runs (
  id                text PRIMARY KEY,
  job_id            text REFERENCES control_jobs (id) ON DELETE SET NULL,
  host_id           text,
  model             text,
  suite             text NOT NULL,
  config            jsonb NOT NULL DEFAULT '{}'::jsonb,
  status            text NOT NULL DEFAULT 'queued',
  created_at        timestamptz NOT NULL DEFAULT now(),
  finished_at       timestamptz
);
CREATE TABLE IF NOT EXISTS control_eval_results (
  id                bigserial PRIMARY KEY,
  run_id            text NOT NULL REFERENCES control_eval_runs (id) ON DELETE CASCADE,
  item_id           text NOT NULL,
  score             double precision,
  passed            boolean,
  output            text,
  detail            jsonb NOT NULL DEFAULT '{}'::jsonb,
  UNIQUE (run_id, item_id)
);
-- Evals (issue 12): a run is tied to its suite version and hash, the exact host, model, server
-- config and sampling (provenance); items are stored as they finish, so nothing done is lost.
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'code';
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS suite_version text;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS suite_hash text;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS provenance jsonb;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS summary jsonb;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS items_total integer NOT NULL DEFAULT 0;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS started_at timestamptz;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS error_code text;
ALTER TABLE control_eval_runs ADD COLUMN IF NOT EXISTS error_message text;
CREATE INDEX IF NOT EXISTS control_eval_runs_suite_created_idx ON control_eval_runs (suite, created_at DESC);
CREATE INDEX IF NOT EXISTS control_eval_runs_model_created_idx ON control_eval_runs (model, created_at DESC);
CREATE INDEX IF NOT EXISTS control_eval_runs_status_idx ON control_eval_runs (status);
ALTER TABLE control_eval_results ADD COLUMN IF NOT EXISTS seq integer NOT NULL DEFAULT 0;
ALTER TABLE control_eval_results ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
CREATE TABLE IF NOT EXISTS control_reports (
  id                text PRIMARY KEY,
  kind              text NOT NULL,
  title             text NOT NULL,
  params            jsonb NOT NULL DEFAULT '{}'::jsonb,
  body              jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Fleet lease (bench, evals, gateway): at most one holder per host. The fencing token comes
-- from one sequence, so it grows on every grant, across processes; a holder that stops renewing
-- loses the lease at expires_at.
CREATE SEQUENCE IF NOT EXISTS control_lease_fence;
CREATE TABLE IF NOT EXISTS control_leases (
  host_id           text PRIMARY KEY,
  owner             text NOT NULL,
  purpose           text NOT NULL,
  token             bigint NOT NULL,
  acquired_at       timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz NOT NULL
);

-- API tokens (issue 15). Only the SHA-256 of a token is stored: tokens are 256 random bits, so a
-- fast hash is enough (nothing to brute-force), and a lookup by hash needs no constant-time
-- compare. The secret itself is shown once, at creation, and never again.
CREATE TABLE IF NOT EXISTS control_api_tokens (
  id                text PRIMARY KEY,
  label             text NOT NULL,
  scopes            text[] NOT NULL,
  token_hash        text NOT NULL UNIQUE,
  created_by        text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  expires_at        timestamptz,
  last_used_at      timestamptz,
  revoked_at        timestamptz
);
-- Reports (issue 14). Hourly and daily rollups, rebuilt from raw rows as they are stored: a
-- report over 90 days reads these, never the raw tables. Buckets are UTC hours / days.
-- Usage per host × model × consumer (activity metadata.consumer, '' when unattributed);
-- ttft_hist / gen_hist are sparse log histograms { bin: count } (reports/histogram.ts).
CREATE TABLE IF NOT EXISTS control_usage_rollups (
  grain             text NOT NULL CHECK (grain IN ('hour', 'day')),
  bucket            timestamptz NOT NULL,
  host_id           text NOT NULL,
  model             text NOT NULL,
  consumer          text NOT NULL DEFAULT '',
  requests          integer NOT NULL,
  errors            integer NOT NULL,
  input_tokens      bigint NOT NULL,
  output_tokens     bigint NOT NULL,
  cache_tokens      bigint NOT NULL,
  busy_ms           bigint NOT NULL,
  ttft_hist         jsonb NOT NULL DEFAULT '{}'::jsonb,
  gen_hist          jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (grain, bucket, host_id, model, consumer)
);
-- Per host × model (model '' = the whole host): loads, failed starts, load time, and GPU-busy
-- time and energy from perf samples (model rows: the host's figures split by request time).
CREATE TABLE IF NOT EXISTS control_host_rollups (
  grain             text NOT NULL CHECK (grain IN ('hour', 'day')),
  bucket            timestamptz NOT NULL,
  host_id           text NOT NULL,
  model             text NOT NULL DEFAULT '',
  loads             integer NOT NULL DEFAULT 0,
  failed_starts     integer NOT NULL DEFAULT 0,
  load_ms           bigint NOT NULL DEFAULT 0,
  gpu_busy_s        double precision NOT NULL DEFAULT 0,
  energy_wh         double precision NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, bucket, host_id, model)
);
-- Scheduled and saved reports: the body is the report JSON; exports are rendered from it.
ALTER TABLE control_reports ADD COLUMN IF NOT EXISTS schedule text NOT NULL DEFAULT 'manual';
ALTER TABLE control_reports ADD COLUMN IF NOT EXISTS range_from timestamptz;
ALTER TABLE control_reports ADD COLUMN IF NOT EXISTS range_to timestamptz;
ALTER TABLE control_reports ADD COLUMN IF NOT EXISTS delivery text NOT NULL DEFAULT 'none';
-- One report per schedule and period: a second control (or a restart) cannot store it twice.
CREATE UNIQUE INDEX IF NOT EXISTS control_reports_period_idx ON control_reports (kind, schedule, range_from) WHERE schedule <> 'manual';
CREATE INDEX IF NOT EXISTS control_reports_created_idx ON control_reports (created_at DESC);

-- Alerts (issue 14): every firing is a row, resolved in place; at most one firing row per
-- fingerprint (rule + host + subject), so two controls on one database never fire it twice.
CREATE TABLE IF NOT EXISTS control_alerts (
  id                text PRIMARY KEY,
  rule_id           text NOT NULL,
  kind              text NOT NULL,
  severity          text NOT NULL,
  fingerprint       text NOT NULL,
  host_id           text,
  subject           text,
  summary           text NOT NULL,
  value             double precision,
  state             text NOT NULL CHECK (state IN ('firing', 'resolved')),
  silenced          boolean NOT NULL DEFAULT false,
  started_at        timestamptz NOT NULL,
  resolved_at       timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS control_alerts_firing_idx ON control_alerts (fingerprint) WHERE state = 'firing';
CREATE INDEX IF NOT EXISTS control_alerts_started_idx ON control_alerts (started_at DESC);
-- One delivery per alert, channel and event (firing / resolved), retried with backoff.
CREATE TABLE IF NOT EXISTS control_alert_deliveries (
  alert_id          text NOT NULL REFERENCES control_alerts (id) ON DELETE CASCADE,
  channel           text NOT NULL,
  event             text NOT NULL CHECK (event IN ('firing', 'resolved')),
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts          integer NOT NULL DEFAULT 0,
  last_error        text,
  next_attempt_at   timestamptz NOT NULL DEFAULT now(),
  created_at        timestamptz NOT NULL DEFAULT now(),
  sent_at           timestamptz,
  PRIMARY KEY (alert_id, channel, event)
);
CREATE INDEX IF NOT EXISTS control_alert_deliveries_due_idx ON control_alert_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS control_alert_silences (
  id                text PRIMARY KEY,
  rule_id           text,
  host_id           text,
  comment           text NOT NULL DEFAULT '',
  starts_at         timestamptz NOT NULL,
  ends_at           timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

-- Persisted host logs (issue 14): each flushed chunk of a host × source log is a row, so a
-- crash's log survives a control restart. Bounded by age and by characters per host × source
-- (logs/log-store.ts prunes).
CREATE TABLE IF NOT EXISTS control_logs (
  id                bigserial PRIMARY KEY,
  host_id           text NOT NULL,
  source            text NOT NULL,
  ts                timestamptz NOT NULL,
  text              text NOT NULL
);
CREATE INDEX IF NOT EXISTS control_logs_host_source_idx ON control_logs (host_id, source, id DESC);
CREATE INDEX IF NOT EXISTS control_logs_ts_idx ON control_logs (ts);
-- Fleet gateway (issue 13): consumer keys, stored as SHA-256 hashes only (the key is shown once).
CREATE TABLE IF NOT EXISTS control_gateway_keys (
  id                text PRIMARY KEY,
  consumer          text NOT NULL,
  key_hash          text NOT NULL UNIQUE,
  prefix            text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
-- One row per gateway request, with its consumer, session, route and overhead. Tokens are not
-- copied: activity_id joins the host's own activity row once it arrives, so nothing is counted
-- twice (a request the host never saw — 401, 404, HOST_LEASED — has no activity row).
CREATE TABLE IF NOT EXISTS control_gateway_requests (
  id                bigserial PRIMARY KEY,
  ts                timestamptz NOT NULL,
  consumer          text NOT NULL,
  consumer_source   text NOT NULL,
  session           text,
  req_path          text NOT NULL,
  requested_model   text,
  host_id           text,
  model             text,
  policy            text,
  route_reason      text NOT NULL DEFAULT '',
  status            integer NOT NULL,
  error_code        text,
  stream            boolean NOT NULL DEFAULT false,
  attempts          integer NOT NULL DEFAULT 0,
  overhead_ms       double precision NOT NULL DEFAULT 0,
  wait_ms           double precision NOT NULL DEFAULT 0,
  upstream_ms       double precision,
  duration_ms       double precision NOT NULL DEFAULT 0,
  activity_id       bigint
);
CREATE INDEX IF NOT EXISTS control_gateway_requests_ts_idx ON control_gateway_requests (ts DESC);
CREATE INDEX IF NOT EXISTS control_gateway_requests_consumer_ts_idx ON control_gateway_requests (consumer, ts DESC);
CREATE INDEX IF NOT EXISTS control_gateway_requests_session_idx ON control_gateway_requests (session) WHERE session IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS control_gateway_requests_activity_idx ON control_gateway_requests (activity_id) WHERE activity_id IS NOT NULL;
