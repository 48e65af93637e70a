-- The alert outbox. A rule writes its alert here in the same transaction as the read-model change
-- that triggers it, once per channel, under a stable idempotency key (rule, subject, channel): a
-- replay or a rebuild finds the key taken and writes nothing, a crash loses nothing. The sender
-- delivers pending rows (grouping a rule's burst into one message) and records the outcome.
CREATE TABLE alerts (
  id              bigserial PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  rule            text NOT NULL,          -- the rule's name in the rules file
  kind            text NOT NULL,          -- missed_inbound_call, voicemail_left...
  channel         text NOT NULL,          -- slack, or whatsapp:+1... (one row per recipient)
  subject         text NOT NULL,          -- CallSid, RecordingSid, dead letter...
  facts           jsonb NOT NULL,         -- what the message says (caller, time, wait, agent, link...)
  created_at      timestamptz NOT NULL DEFAULT now(),
  send_after      timestamptz NOT NULL DEFAULT now(),  -- settle time, quiet hours
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sent', 'canceled', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  sent_at         timestamptz,
  message_id      text                    -- the delivery that carried it (a group shares one)
);
CREATE INDEX alerts_pending ON alerts (channel, rule, id) WHERE status = 'pending';
