-- Runs once, when the compose PostgreSQL volume is first created: POSTGRES_DB (dagster) holds
-- Dagster's run, event-log and schedule storage; this second database is the warehouse.
CREATE DATABASE compliance;
