"""`forceplan simulate` and `forceplan compare`: to be filled by the simulation work."""
