-- A registration whose phone clock the server doubts (finalised in the future of its receipt,
-- or before any pack of its unit was built) keeps the time the phone claimed here; NULL when
-- the phone's time is believable. Its age was judged on the server's date.
ALTER TABLE registrations ADD COLUMN device_time_doubted BIGINT;
