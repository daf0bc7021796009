# Demo programs and short examples.
