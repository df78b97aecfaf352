"""Bytes out: the writers, the run store, batch-process settings and the xlsx writer."""
