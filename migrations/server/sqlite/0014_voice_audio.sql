-- The audio of voice messages sent as a link (--voice-mode audio): kept under the SHA-256 of
-- the link's random token until the link expires (48 hours), then pruned.
CREATE TABLE voice_audio (
    token_hash      BLOB PRIMARY KEY,
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    wav             BLOB NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX voice_audio_expiry ON voice_audio(expires_at);
CREATE INDEX voice_audio_notification ON voice_audio(notification_id);
