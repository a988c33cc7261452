"""Pure rules of the emulator: no sockets, no database, no web framework, no wall-clock reads
(except in `clock.SystemWallClock`)."""
