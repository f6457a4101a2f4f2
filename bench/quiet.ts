// Imported first by the bench scripts: the test harness announces skipped PostgreSQL
// variants on import, which is noise in a benchmark table.
(global as { __pgSkipAnnounced?: boolean }).__pgSkipAnnounced = true;
export {};
