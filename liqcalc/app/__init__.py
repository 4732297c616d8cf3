"""The application layer: what a command computes, callable from Python."""
