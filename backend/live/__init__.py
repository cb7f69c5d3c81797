"""Live events at the bottom of every layer: the event shape, topic names and the broadcast hub (in memory
or over Redis)."""
