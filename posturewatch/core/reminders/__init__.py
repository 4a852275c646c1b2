"""The reminder rules and the engine that decides when one may be sent."""
