"""`forceplan plan`: to be filled by the planner work."""
